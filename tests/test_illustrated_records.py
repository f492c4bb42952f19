"""The Illustrated TLS 1.2 Connection, parsed into records and messages and rebuilt byte for byte.

Source: vectors/illustrated-tls12/ (NOTE.md: https://tls12.xargs.org, MIT licence), a connection
recorded by an independent implementation, not bytes typed from our reading of the RFC.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from records import (
    Certificate,
    ChangeCipherSpec,
    CipherSuite,
    ClientHello,
    ClientKeyExchangeECDHE,
    ContentType,
    ExtensionType,
    NamedGroup,
    ProtocolVersion,
    Record,
    ServerHello,
    ServerHelloDone,
    ServerKeyExchangeECDHE,
    SignatureScheme,
    get_extension,
    parse_handshake,
    parse_header,
    split_handshake,
    split_records,
)

VECTORS = Path(__file__).resolve().parent.parent / "vectors" / "illustrated-tls12"
RECORDS = VECTORS / "records"

HANDSHAKE = {
    "clienthello": ClientHello,
    "serverhello": ServerHello,
    "servercert": Certificate,
    "serverkeyexchange": ServerKeyExchangeECDHE,
    "serverhellodone": ServerHelloDone,
    "clientkeyexchange": ClientKeyExchangeECDHE,
}
ENCRYPTED = {
    "clientfinished": ContentType.handshake,
    "serverfinished": ContentType.handshake,
    "clientdata": ContentType.application_data,
    "serverdata": ContentType.application_data,
    "clientalert": ContentType.alert,
}


def read(name: str) -> bytes:
    return (RECORDS / name).read_bytes()


def one_record(name: str) -> Record:
    raw = read(name)
    records, rest = split_records(raw)
    assert rest == b"" and len(records) == 1
    record = records[0]
    assert record.build() == raw
    assert Record.parse(raw) == record
    return record


@pytest.mark.parametrize("name", list(HANDSHAKE))
def test_handshake_records_rebuild(name: str):
    record = one_record(name)
    assert record.content_type is ContentType.handshake
    messages, rest = split_handshake(record.fragment)
    assert rest == b"" and len(messages) == 1
    msg_type, raw = messages[0]
    msg = parse_handshake(raw, kex="ecdhe")
    assert type(msg) is HANDSHAKE[name]
    assert msg_type == msg.msg_type
    assert msg.build() == raw
    assert HANDSHAKE[name].parse(raw) == msg


@pytest.mark.parametrize("name", ["clientccs", "serverccs"])
def test_change_cipher_spec_records(name: str):
    record = one_record(name)
    assert record.content_type is ContentType.change_cipher_spec
    assert ChangeCipherSpec.parse(record.fragment).build() == record.fragment


@pytest.mark.parametrize("name", list(ENCRYPTED))
def test_encrypted_record_headers(name: str):
    raw = read(name)
    header = parse_header(raw)
    assert header.content_type is ENCRYPTED[name]
    assert header.version is ProtocolVersion.TLS1_2
    assert header.length == len(raw) - 5
    assert header.build() == raw[:5]
    one_record(name)


def test_whole_stream_in_one_buffer():
    order = [
        "clienthello", "serverhello", "servercert", "serverkeyexchange", "serverhellodone",
        "clientkeyexchange", "clientccs", "clientfinished", "serverccs", "serverfinished",
        "clientdata", "serverdata", "clientalert",
    ]  # fmt: skip
    stream = b"".join(read(n) for n in order)
    for cut in (0, 3, 170, 171, len(stream) - 1):
        first, rest = split_records(stream[:cut])
        second, tail = split_records(rest + stream[cut:])
        assert tail == b""
        assert b"".join(r.build() for r in first + second) == stream
        assert len(first + second) == len(order)


def test_field_values():
    hello = parse_handshake(one_record("clienthello").fragment)
    assert hello.client_version is ProtocolVersion.TLS1_2
    assert hello.random == bytes(range(32))
    sni = get_extension(hello.extensions, ExtensionType.server_name)
    assert sni.host_name == "example.ulfheim.net"
    assert CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA in hello.cipher_suites

    server_hello = parse_handshake(one_record("serverhello").fragment)
    assert server_hello.cipher_suite is CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA
    assert server_hello.cipher_suite == 0xC013
    assert server_hello.random == bytes(range(0x70, 0x90))

    cert = parse_handshake(one_record("servercert").fragment)
    pem = (VECTORS / "server.crt").read_text()
    der = base64.b64decode("".join(line for line in pem.splitlines() if "-----" not in line))
    assert cert.certificate_list == [der]

    ske = parse_handshake(one_record("serverkeyexchange").fragment, kex="ecdhe")
    assert ske.named_curve is NamedGroup.x25519
    assert ske.signature_algorithm is SignatureScheme.rsa_pkcs1_sha256
    assert len(ske.signature) == 256
    server_pub = b"".join(
        base64.b64decode(line)
        for line in (VECTORS / "server-ephemeral-public.key").read_text().splitlines()
        if "-----" not in line
    )
    assert ske.public == server_pub[-32:]  # SubjectPublicKeyInfo ends with the raw x25519 key
    # as printed on https://tls12.xargs.org (Server Key Exchange, "public key")
    assert ske.public.hex() == ("9fd7ad6dcff4298dd3f96d5b1b2af910a0535b1488d7f8fabb349a982880b615")
    assert ske.params_bytes() == bytes([3, 0, 29, 32]) + ske.public

    cke = parse_handshake(one_record("clientkeyexchange").fragment, kex="ecdhe")
    client_pub = b"".join(
        base64.b64decode(line)
        for line in (VECTORS / "client-ephemeral-public.key").read_text().splitlines()
        if "-----" not in line
    )
    assert cke.public == client_pub[-32:]
