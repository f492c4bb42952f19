"""The benchmark scenarios of bench/ run once each and do what their names say, on every
implementation: the negotiated suite, group and client authentication are the scenario's, both
sides agree (master secret, certificates), and a transfer delivers exactly the bytes written.

No timing here: the benchmarks themselves run with ``pytest bench`` (see bench/README.md).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root, for bench/

from bench import floor, impl_socket, impl_ssl, impl_tls12, impl_tlslite
from bench.profile import classify, phase_times
from bench.report import Result as ReportResult
from bench.report import render, targets
from bench.scenarios import HANDSHAKES, SOCKET_SCENARIOS, TRANSFERS, Scenario
from records.registry import NamedGroup
from tls.suites import suite_by_name

X25519 = int(NamedGroup.x25519)
names = lambda s: s.name  # noqa: E731


@pytest.mark.parametrize("sc", HANDSHAKES, ids=names)
def test_tls12_handshake(sc: Scenario) -> None:
    client, server = impl_tls12.handshake(sc)()
    suite = suite_by_name(sc.suite)
    assert client.info.suite is suite and server.info.suite is suite
    assert client.info.master_secret == server.info.master_secret
    assert client.info.extended_master_secret
    assert client.info.group == (
        NamedGroup.ffdhe2048 if sc.kex == "dhe" else X25519 if sc.kex == "ecdhe" else None
    )
    assert client.info.verified_chain, "the client validated the server's chain"
    assert client.info.client_certificate_sent is sc.mtls
    assert bool(server.info.verified_chain) is sc.mtls


@pytest.mark.parametrize("sc", HANDSHAKES, ids=names)
def test_ssl_handshake(sc: Scenario) -> None:
    seen: list[bytes] = []
    client_ctx, server_ctx = impl_ssl.contexts(sc)

    def spy(
        conn: Any, direction: str, version: Any, content_type: Any, msg_type: Any, data: bytes
    ) -> None:
        if direction == "read" and msg_type == 12:  # ServerKeyExchange
            seen.append(data)

    client_ctx._msg_callback = spy  # type: ignore[attr-defined]
    pair = impl_ssl.connect(client_ctx, server_ctx)
    assert pair.client.cipher() == pair.server.cipher()
    assert pair.client.cipher()[:2] == (sc.suite, "TLSv1.2")
    assert pair.client.getpeercert(), "the client validated the server's chain"
    assert bool(pair.server.getpeercert()) is sc.mtls
    if sc.kex == "ecdhe":  # ServerECDHParams: named_curve (3), then x25519 (0x001d)
        assert seen and seen[0][4:7] == b"\x03\x00\x1d"


@pytest.mark.parametrize("sc", HANDSHAKES, ids=names)
def test_tlslite_handshake(sc: Scenario) -> None:
    pair = impl_tlslite.handshake(sc)()
    client, server = pair.client.session, pair.server.session
    assert client.cipherSuite == server.cipherSuite == suite_by_name(sc.suite).code
    assert client.masterSecret == server.masterSecret
    assert pair.client.version == (3, 3)
    if sc.kex == "ecdhe":
        assert pair.client.ecdhCurve == X25519
    if sc.kex == "dhe":
        assert pair.client.dhGroupSize == 2048
    assert (server.clientCertChain is not None) is sc.mtls


@pytest.mark.parametrize("sc", HANDSHAKES, ids=names)
def test_floor_handshake(sc: Scenario) -> None:
    master = floor.handshake(sc)()  # raises if either Finished fails to check
    assert len(master) == 48


TRANSFER_IMPLS = {
    "tls12": impl_tls12.transfer,
    "ssl": impl_ssl.transfer,
    "tlslite": impl_tlslite.transfer,
    "floor": floor.transfer,
}


@pytest.mark.parametrize("impl", list(TRANSFER_IMPLS))
@pytest.mark.parametrize("sc", TRANSFERS, ids=names)
def test_transfer_delivers_what_was_written(sc: Scenario, impl: str) -> None:
    transfer = TRANSFER_IMPLS[impl](sc, 3, keep=True)
    assert transfer.round() == 3 * sc.write_size
    assert transfer.round() == 3 * sc.write_size
    assert len(transfer.payload) == sc.write_size
    assert b"".join(transfer.received) == transfer.payload * 6


@pytest.mark.parametrize("impl", ["tls12", "ssl", "tlslite"])
def test_socket_scenarios(impl: str) -> None:
    hs_sc, tr_sc = SOCKET_SCENARIOS
    handshake = impl_socket.Handshake(hs_sc, impl)
    try:
        assert handshake() is not None
        assert handshake() is not None  # the server accepts again
    finally:
        handshake.close()
    transfer = impl_socket.Transfer(tr_sc, impl, 2, keep=True)
    try:
        assert transfer.round() == 2 * tr_sc.write_size
        assert b"".join(transfer.received) == transfer.payload * 2
    finally:
        transfer.close()


def test_profile_phases_split_own_time_by_caller() -> None:
    parse = ("/x/records/handshake.py", 1, "parse")
    sign = ("/x/tls/signatures.py", 1, "sign")
    helper = ("/usr/lib/python3.11/enum.py", 1, "__call__")
    assert classify(parse) == "parsing/building" and classify(helper) is None
    stats = {
        parse: (1, 1, 3.0, 4.0, {}),
        sign: (1, 1, 1.0, 2.0, {}),
        # 2 s own time: 1.5 s when called from parse, 0.5 s from sign
        helper: (2, 2, 2.0, 2.0, {parse: (1, 1, 1.5, 1.5), sign: (1, 1, 0.5, 0.5)}),
    }
    assert phase_times(stats) == {"parsing/building": 4.5, "signatures": 1.5}


def test_report_renders_targets_from_results() -> None:
    ecdsa = HANDSHAKES[0]
    results = {
        (ecdsa.name, "tls12"): ReportResult(ecdsa, "tls12", 0.003, 10, 1),
        (ecdsa.name, "ssl"): ReportResult(ecdsa, "ssl", 0.002, 10, 1),
        (ecdsa.name, "floor"): ReportResult(ecdsa, "floor", 0.001, 10, 1),
    }
    by_text = {t.text.split(": ", 1)[1] + " " + t.text.split("`")[1]: t for t in targets(results)}
    ssl_target = by_text[f"tls12 time / ssl time {ecdsa.name}"]
    assert ssl_target.value == pytest.approx(1.5) and ssl_target.met is False
    assert by_text[f"tls12 time / crypto floor {ecdsa.name}"].met is False
    text = render(results, {}, "no chart", None)
    assert "| 1.50x | ≤ 1.2x | **not met** |" in text
    assert "n/a" not in text and "-" in text  # unmeasured cells are dashes
