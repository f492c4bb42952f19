"""Property tests: any input parses (and rebuilds to the same bytes) or raises DecodeError;
generated messages survive build -> parse."""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from records import (
    Alert,
    ALPNExtension,
    Certificate,
    CertificateRequest,
    ChangeCipherSpec,
    ClientHello,
    DecodeError,
    ECPointFormatsExtension,
    EncryptThenMacExtension,
    ExtendedMasterSecretExtension,
    MaxFragmentLengthExtension,
    PaddingExtension,
    Record,
    RecordSizeLimitExtension,
    RenegotiationInfoExtension,
    ServerHello,
    ServerKeyExchangeDHE,
    ServerKeyExchangeECDHE,
    ServerName,
    ServerNameExtension,
    SessionTicketExtension,
    SignatureAlgorithmsExtension,
    SSLv2ClientHello,
    SupportedGroupsExtension,
    SupportedVersionsExtension,
    UnknownExtension,
    parse_handshake,
    split_handshake,
    split_records,
)
from records.registry import ECCurveType

KEXES = [None, "ecdhe", "dhe", "rsa"]
SEED_MESSAGES = [
    bytes.fromhex("0e000000"),
    bytes.fromhex(
        "0200002603030000000000000000000000000000000000000000000000000000000000000000c01300"
    ),
]


def roundtrips_or_decode_error(parser, data: bytes) -> None:
    try:
        obj = parser(data)
    except DecodeError:
        return
    assert obj.build() == data


@given(st.binary(max_size=64), st.sampled_from(KEXES), st.integers(0, 255))
@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
def test_random_handshake_bodies(body: bytes, kex, msg_type: int):
    raw = bytes([msg_type]) + len(body).to_bytes(3, "big") + body
    roundtrips_or_decode_error(lambda d: parse_handshake(d, kex=kex), raw)


@given(st.binary(max_size=80), st.sampled_from(KEXES))
@example(SEED_MESSAGES[1], None)
@settings(max_examples=300)
def test_random_bytes_into_handshake_parser(raw: bytes, kex):
    roundtrips_or_decode_error(lambda d: parse_handshake(d, kex=kex), raw)


@given(st.binary(max_size=64), st.sampled_from([1, 2]))
@settings(max_examples=400)
def test_random_hello_tails(tail: bytes, msg_type: int):
    # a valid hello prefix followed by random extension bytes explores the extension parsers
    prefix = bytes(2 + 32) + b"\x00"
    prefix += b"\x00\x02\x00\x2f\x01\x00" if msg_type == 1 else b"\x00\x2f\x00"
    body = prefix + tail
    roundtrips_or_decode_error(
        parse_handshake, bytes([msg_type]) + len(body).to_bytes(3, "big") + body
    )


@given(st.binary(max_size=40))
def test_random_bytes_into_record_parsers(data: bytes):
    roundtrips_or_decode_error(Record.parse, data)
    roundtrips_or_decode_error(Alert.parse, data)
    roundtrips_or_decode_error(ChangeCipherSpec.parse, data)
    roundtrips_or_decode_error(SSLv2ClientHello.parse, data)
    try:
        records, rest = split_records(data)
    except DecodeError:
        pass
    else:
        assert b"".join(r.build() for r in records) + rest == data
    try:
        messages, rest = split_handshake(data)
    except DecodeError:
        pass
    else:
        assert b"".join(m for _, m in messages) + rest == data


# --------------------------------------------------------------------------- generated messages

u8 = st.integers(0, 0xFF)
u16 = st.integers(0, 0xFFFF)


def opaque(lo: int, hi: int) -> st.SearchStrategy[bytes]:
    return st.binary(min_size=lo, max_size=hi)


client_extensions = st.lists(
    st.one_of(
        st.builds(
            ServerNameExtension,
            st.lists(st.builds(ServerName, st.just(0), opaque(1, 20)), min_size=1, max_size=1),
        ),
        st.builds(MaxFragmentLengthExtension, u8),
        st.builds(SupportedGroupsExtension, st.lists(u16, min_size=1, max_size=8)),
        st.builds(ECPointFormatsExtension, st.lists(u8, min_size=1, max_size=3)),
        st.builds(SignatureAlgorithmsExtension, st.lists(u16, min_size=1, max_size=8)),
        st.builds(ALPNExtension, st.lists(opaque(1, 10), min_size=1, max_size=3)),
        st.builds(EncryptThenMacExtension),
        st.builds(ExtendedMasterSecretExtension),
        st.builds(SessionTicketExtension, opaque(0, 40)),
        st.builds(RecordSizeLimitExtension, st.integers(64, 0xFFFF)),
        st.builds(RenegotiationInfoExtension, opaque(0, 36)),
        st.builds(PaddingExtension, opaque(0, 20)),
        st.builds(SupportedVersionsExtension, st.lists(u16, min_size=1, max_size=5)),
        st.builds(UnknownExtension, st.integers(0x3000, 0x3010), opaque(0, 10)),
    ),
    max_size=10,
    unique_by=lambda e: int(e.extension_type),
)

client_hellos = st.builds(
    ClientHello,
    u16,
    opaque(32, 32),
    opaque(0, 32),
    st.lists(u16, min_size=1, max_size=20),
    st.lists(u8, min_size=1, max_size=3),
    st.none() | client_extensions,
)

server_hellos = st.builds(
    ServerHello,
    u16,
    opaque(32, 32),
    opaque(0, 32),
    u16,
    u8,
    st.none()
    | st.lists(
        st.one_of(
            st.builds(ServerNameExtension),
            st.builds(ALPNExtension, st.lists(opaque(1, 10), min_size=1, max_size=1)),
            st.builds(SupportedVersionsExtension, st.lists(u16, min_size=1, max_size=1)),
            st.builds(RenegotiationInfoExtension, opaque(0, 36)),
        ),
        unique_by=lambda e: int(e.extension_type),
    ),
)

others = st.one_of(
    st.builds(Certificate, st.lists(opaque(1, 50), max_size=4)),
    st.builds(
        ServerKeyExchangeECDHE,
        st.just(ECCurveType.named_curve),
        u16,
        opaque(1, 97),
        u16,
        opaque(0, 80),
    ),
    st.builds(ServerKeyExchangeDHE, opaque(1, 40), opaque(1, 2), opaque(1, 40), u16, opaque(0, 40)),
    st.builds(
        CertificateRequest,
        st.lists(u8, min_size=1, max_size=4),
        st.lists(u16, min_size=1, max_size=6),
        st.lists(opaque(1, 20), max_size=3),
    ),
)


@given(st.one_of(client_hellos, server_hellos, others))
@settings(max_examples=200)
def test_generated_messages_survive_build_parse(msg):
    raw = msg.build()
    kex = "dhe" if isinstance(msg, ServerKeyExchangeDHE) else "ecdhe"
    again = parse_handshake(raw, kex=kex)
    assert again == msg
    assert again.build() == raw
