"""Key schedule known answers: OpenSSL TLS1-PRF outputs from vectors/prf/tls12_prf.json.

The vectors (and the command that made each) are described in vectors/prf/README.md.
The Illustrated TLS 1.2 recording (test_illustrated_crypto.py) and the openssl captures
(test_aead_capture.py) check master secret, key block and verify_data end to end.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tls.keyschedule import (
    KeyMaterial,
    export_keying_material,
    extended_master_secret,
    key_block,
    master_secret,
    prf,
    verify_data,
)
from tls.suites import SUITES, suite_by_name

VECTORS = json.loads(
    (Path(__file__).resolve().parent.parent / "vectors" / "prf" / "tls12_prf.json").read_text()
)["vectors"]


def _ids(v: dict[str, Any]) -> str:
    return f"{v['hash']}-{v['label'].replace(' ', '_')[:24]}-{v['length']}"


def _by_label(label: str) -> list[dict[str, Any]]:
    found = [v for v in VECTORS if v["label"] == label]
    assert found, f"no vector with label {label!r}"
    return found


def test_vectors_cover_both_hashes() -> None:
    assert {v["hash"] for v in VECTORS} == {"sha256", "sha384"}
    assert len(VECTORS) >= 20


@pytest.mark.parametrize("v", VECTORS, ids=_ids)
def test_prf_matches_openssl(v: dict[str, Any]) -> None:
    out = prf(
        v["hash"],
        bytes.fromhex(v["secret"]),
        v["label"].encode(),
        bytes.fromhex(v["seed"]),
        v["length"],
    )
    assert out.hex() == v["output"]


@pytest.mark.parametrize("v", VECTORS, ids=_ids)
def test_prf_shorter_output_is_a_prefix(v: dict[str, Any]) -> None:
    n = v["length"] // 2
    out = prf(
        v["hash"], bytes.fromhex(v["secret"]), v["label"].encode(), bytes.fromhex(v["seed"]), n
    )
    assert out.hex() == v["output"][: 2 * n]


def test_prf_zero_length() -> None:
    assert prf("sha256", b"k", b"l", b"s", 0) == b""
    with pytest.raises(ValueError):
        prf("sha256", b"k", b"l", b"s", -1)
    with pytest.raises(ValueError, match="unknown hash"):
        prf("md5", b"k", b"l", b"s", 8)


@pytest.mark.parametrize("v", _by_label("master secret"), ids=_ids)
def test_master_secret(v: dict[str, Any]) -> None:
    seed = bytes.fromhex(v["seed"])
    out = master_secret(v["hash"], bytes.fromhex(v["secret"]), seed[:32], seed[32:])
    assert out.hex() == v["output"]


def test_master_secret_checks_random_length() -> None:
    with pytest.raises(ValueError, match="client_random must be 32 bytes"):
        master_secret("sha256", b"p" * 48, b"short", b"s" * 32)


@pytest.mark.parametrize("v", _by_label("extended master secret"), ids=_ids)
def test_extended_master_secret(v: dict[str, Any]) -> None:
    out = extended_master_secret(v["hash"], bytes.fromhex(v["secret"]), bytes.fromhex(v["seed"]))
    assert out.hex() == v["output"]


@pytest.mark.parametrize("v", _by_label("key expansion"), ids=_ids)
def test_key_block(v: dict[str, Any]) -> None:
    seed = bytes.fromhex(v["seed"])  # server_random + client_random (RFC 5246 §6.3)
    out = key_block(v["hash"], bytes.fromhex(v["secret"]), seed[:32], seed[32:], v["length"])
    assert out.hex() == v["output"]


@pytest.mark.parametrize("suite", SUITES, ids=lambda s: s.name)
def test_key_material_split(suite) -> None:  # type: ignore[no-untyped-def]
    ms = bytes(range(48))
    client_random, server_random = b"c" * 32, b"s" * 32
    km = KeyMaterial.derive(suite, ms, client_random, server_random)
    block = key_block(suite.prf_hash, ms, server_random, client_random, suite.key_block_length)
    m, k, i = suite.mac_length, suite.key_length, suite.fixed_iv_length
    assert len(km.client_write_mac_key) == len(km.server_write_mac_key) == m
    assert len(km.client_write_key) == len(km.server_write_key) == k
    assert len(km.client_write_iv) == len(km.server_write_iv) == i
    assert (
        km.client_write_mac_key
        + km.server_write_mac_key
        + km.client_write_key
        + km.server_write_key
        + km.client_write_iv
        + km.server_write_iv
    ) == block


def test_key_material_from_openssl_key_block() -> None:
    # The SHA-256 "key expansion" vector of 104 bytes is exactly the key block of a
    # AES-128-CBC-SHA256 suite: 2 x (32 MAC + 16 key).
    (v,) = [
        x for x in _by_label("key expansion") if x["hash"] == "sha256" and x["length"] == 96 + 8
    ]
    suite = suite_by_name("ECDHE-RSA-AES128-SHA256")
    assert suite.key_block_length == 96
    seed = bytes.fromhex(v["seed"])
    km = KeyMaterial.derive(suite, bytes.fromhex(v["secret"]), seed[32:], seed[:32])
    out = bytes.fromhex(v["output"])
    assert km.client_write_mac_key == out[:32]
    assert km.server_write_mac_key == out[32:64]
    assert km.client_write_key == out[64:80]
    assert km.server_write_key == out[80:96]


def test_key_material_is_frozen() -> None:
    km = KeyMaterial.derive(SUITES[0], bytes(48), bytes(32), bytes(32))
    with pytest.raises(AttributeError):
        km.client_write_key = b""  # type: ignore[misc]


@pytest.mark.parametrize("v", _by_label("client finished") + _by_label("server finished"), ids=_ids)
def test_verify_data(v: dict[str, Any]) -> None:
    out = verify_data(
        v["hash"], bytes.fromhex(v["secret"]), v["label"].encode(), bytes.fromhex(v["seed"])
    )
    assert out.hex() == v["output"]
    assert len(out) == 12


def test_verify_data_rejects_other_labels() -> None:
    with pytest.raises(ValueError, match="Finished label"):
        verify_data("sha256", bytes(48), b"client finish", bytes(32))


def test_exporter_context_none_differs_from_empty() -> None:
    args = ("sha256", bytes(48), b"EXPERIMENTAL-test", bytes(32), bytes(range(32)))
    none = export_keying_material(*args, None, 32)
    empty = export_keying_material(*args, b"", 32)
    assert none != empty
    # RFC 5705 §4: seed = client_random + server_random [+ uint16 length + context].
    assert none == prf("sha256", bytes(48), b"EXPERIMENTAL-test", bytes(32) + bytes(range(32)), 32)
    assert empty == prf(
        "sha256", bytes(48), b"EXPERIMENTAL-test", bytes(32) + bytes(range(32)) + b"\x00\x00", 32
    )


def test_exporter_rejects_reserved_labels_and_long_context() -> None:
    with pytest.raises(ValueError, match="reserved"):
        export_keying_material("sha256", bytes(48), b"key expansion", bytes(32), bytes(32), None, 8)
    with pytest.raises(ValueError, match="65535"):
        export_keying_material("sha256", bytes(48), b"x", bytes(32), bytes(32), bytes(1 << 16), 8)
