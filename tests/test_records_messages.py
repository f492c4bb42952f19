"""Handshake messages and extensions: round trips and every strictness rule."""

from __future__ import annotations

import pytest

from records import (
    ALPNExtension,
    Certificate,
    CertificateRequest,
    CertificateStatus,
    CertificateStatusType,
    CertificateVerify,
    CipherSuite,
    ClientCertificateType,
    ClientHello,
    ClientKeyExchangeDHE,
    ClientKeyExchangeECDHE,
    ClientKeyExchangeRSA,
    DecodeError,
    ECPointFormat,
    ECPointFormatsExtension,
    EncodeError,
    EncryptThenMacExtension,
    ExtendedMasterSecretExtension,
    ExtensionContext,
    ExtensionType,
    Finished,
    HandshakeType,
    HelloRequest,
    MaxFragmentLength,
    MaxFragmentLengthExtension,
    NamedGroup,
    NameType,
    NewSessionTicket,
    OCSPStatusRequest,
    PaddingExtension,
    ProtocolVersion,
    RecordSizeLimitExtension,
    RenegotiationInfoExtension,
    ServerHello,
    ServerHelloDone,
    ServerKeyExchangeDHE,
    ServerKeyExchangeECDHE,
    ServerName,
    ServerNameExtension,
    SessionTicketExtension,
    SignatureAlgorithmsExtension,
    SignatureScheme,
    SSLv2ClientHello,
    StatusRequestExtension,
    SupportedGroupsExtension,
    SupportedVersionsExtension,
    UnknownExtension,
    get_extension,
    message_class,
    parse_extensions,
    parse_handshake,
    split_handshake,
)
from records.registry import AlertDescription, ECCurveType

RANDOM = bytes(range(32))

CLIENT_EXTENSIONS = [
    ServerNameExtension.for_host("example.com"),
    MaxFragmentLengthExtension(MaxFragmentLength.len_2048),
    StatusRequestExtension(CertificateStatusType.ocsp, OCSPStatusRequest([b"rid"], b"\x00")),
    SupportedGroupsExtension(
        [0x1A1A, NamedGroup.x25519, NamedGroup.secp256r1, NamedGroup.ffdhe2048]
    ),
    ECPointFormatsExtension([ECPointFormat.uncompressed]),
    SignatureAlgorithmsExtension(
        [SignatureScheme.rsa_pss_rsae_sha256, SignatureScheme.ecdsa_secp256r1_sha256]
    ),
    ALPNExtension([b"h2", b"http/1.1"]),
    EncryptThenMacExtension(),
    ExtendedMasterSecretExtension(),
    SessionTicketExtension(b""),
    RecordSizeLimitExtension(16385),
    RenegotiationInfoExtension(b""),
    SupportedVersionsExtension([ProtocolVersion.TLS1_3, ProtocolVersion.TLS1_2]),
    UnknownExtension(0x2A2A, b""),  # GREASE
    UnknownExtension(ExtensionType.key_share, b"\x00\x02\x00\x1d"),
    PaddingExtension(b"\x00" * 7),
]

SERVER_EXTENSIONS = [
    ServerNameExtension(),
    StatusRequestExtension(),
    ALPNExtension([b"h2"]),
    SessionTicketExtension(),
    EncryptThenMacExtension(),
    ExtendedMasterSecretExtension(),
    RenegotiationInfoExtension(b"\x01" * 24),
    ECPointFormatsExtension([0, 1, 2]),
    MaxFragmentLengthExtension(MaxFragmentLength.len_512),
    RecordSizeLimitExtension(64),
    SupportedVersionsExtension([ProtocolVersion.TLS1_3]),
    UnknownExtension(0xFEED, b"xyz"),
]

SAMPLES = [
    HelloRequest(),
    ClientHello(
        ProtocolVersion.TLS1_2,
        RANDOM,
        b"\x11" * 32,
        [0x0A0A, CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, 0xFFFE],
        [0],
        CLIENT_EXTENSIONS,
    ),
    ClientHello(
        ProtocolVersion.TLS1_0, RANDOM, b"", [CipherSuite.TLS_RSA_WITH_AES_128_CBC_SHA], [0]
    ),
    ClientHello(ProtocolVersion.TLS1_2, RANDOM, b"", [0x002F], [1, 0], []),
    ServerHello(
        ProtocolVersion.TLS1_2,
        RANDOM,
        b"\x22" * 16,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        0,
        SERVER_EXTENSIONS,
    ),
    ServerHello(ProtocolVersion.TLS1_2, RANDOM, b"", 0xC013, 0),
    Certificate([b"\x30\x03\x02\x01\x01", b"\x30\x00"]),
    Certificate([]),
    ServerKeyExchangeECDHE(
        ECCurveType.named_curve,
        NamedGroup.secp256r1,
        b"\x04" + b"\x01" * 64,
        SignatureScheme.ecdsa_secp256r1_sha256,
        b"\x30\x06sig...",
    ),
    ServerKeyExchangeDHE(b"\xff" * 256, b"\x02", b"\x00\x7f" * 128, 0x0804, b"s" * 256),
    CertificateRequest(
        [ClientCertificateType.rsa_sign, ClientCertificateType.ecdsa_sign, 0xEE],
        [SignatureScheme.rsa_pkcs1_sha256, 0x0A0A],
        [b"\x30\x00", b"\x30\x02\x05\x00"],
    ),
    CertificateRequest([1], [0x0401], []),
    ServerHelloDone(),
    CertificateVerify(SignatureScheme.rsa_pss_rsae_sha256, b"\x00" * 256),
    ClientKeyExchangeRSA(b"\x5a" * 256),
    ClientKeyExchangeECDHE(b"\x20" * 32),
    ClientKeyExchangeDHE(b"\x01" * 256),
    Finished(b"\x0f" * 12),
    NewSessionTicket(7200, b"ticket" * 20),
    NewSessionTicket(0, b""),
    CertificateStatus(CertificateStatusType.ocsp, b"\x30\x03\x0a\x01\x00"),
    CertificateStatus(9, b"raw"),
]


def kex_of(msg: object) -> str | None:
    name = type(msg).__name__
    for kex in ("ECDHE", "DHE", "RSA"):
        if name.endswith(kex):
            return kex.lower()
    return None


@pytest.mark.parametrize("msg", SAMPLES, ids=lambda m: type(m).__name__)
def test_roundtrip(msg):
    raw = msg.build()
    assert raw[0] == msg.msg_type
    assert int.from_bytes(raw[1:4], "big") == len(raw) - 4
    again = parse_handshake(raw, kex=kex_of(msg))
    assert type(again) is type(msg)
    assert again == msg
    assert again.build() == raw
    assert type(msg).parse(raw) == msg


def test_extensions_kept_in_order_with_types():
    raw = SAMPLES[1].build()
    hello = ClientHello.parse(raw)
    assert [type(e) for e in hello.extensions] == [type(e) for e in CLIENT_EXTENSIONS]
    groups = get_extension(hello.extensions, ExtensionType.supported_groups)
    assert groups.groups[0] == 0x1A1A and type(groups.groups[0]) is int
    assert groups.groups[1] is NamedGroup.x25519
    assert hello.cipher_suites[0] == 0x0A0A and type(hello.cipher_suites[0]) is int
    key_share = get_extension(hello.extensions, ExtensionType.key_share)
    assert key_share == UnknownExtension(ExtensionType.key_share, b"\x00\x02\x00\x1d")
    assert get_extension(hello.extensions, 0x2A2A).data == b""
    assert get_extension(hello.extensions, ExtensionType.heartbeat) is None
    assert get_extension(None, ExtensionType.server_name) is None
    assert hello.offered_versions() == [ProtocolVersion.TLS1_3, ProtocolVersion.TLS1_2]
    assert SAMPLES[2].offered_versions() == [ProtocolVersion.TLS1_0]


def test_extensions_absent_vs_empty():
    absent, empty = SAMPLES[2], SAMPLES[3]
    assert ClientHello.parse(absent.build()).extensions is None
    assert ClientHello.parse(empty.build()).extensions == []
    assert empty.build() == absent.build()[:0] + empty.build()
    assert len(empty.build()) == len(ClientHello(**{**vars(empty), "extensions": None}).build()) + 2


def test_server_name_host_name():
    ext = ServerNameExtension([ServerName(7, b"other"), ServerName(NameType.host_name, b"a.b")])
    assert ext.host_name == "a.b"
    assert ServerNameExtension().host_name is None
    with pytest.raises(DecodeError) as info:
        ServerNameExtension([ServerName(0, b"\xff")]).host_name  # noqa: B018
    assert info.value.alert == AlertDescription.illegal_parameter


# --------------------------------------------------------------------------- helpers for bad bytes


def frame(msg_type: int, body: bytes) -> bytes:
    return bytes([msg_type]) + len(body).to_bytes(3, "big") + body


def u8(b: bytes) -> bytes:
    return len(b).to_bytes(1, "big") + b


def u16(b: bytes) -> bytes:
    return len(b).to_bytes(2, "big") + b


def client_hello(
    *,
    session_id: bytes = b"",
    suites: bytes = b"\x00\x2f",
    compression: bytes = b"\x00",
    exts: bytes | None = None,
) -> bytes:
    body = b"\x03\x03" + RANDOM + u8(session_id) + u16(suites) + u8(compression)
    if exts is not None:
        body += u16(exts)
    return frame(1, body)


def ext(t: int, data: bytes) -> bytes:
    return t.to_bytes(2, "big") + u16(data)


def server_hello(exts: bytes) -> bytes:
    return frame(2, b"\x03\x03" + RANDOM + b"\x00\xc0\x13\x00" + u16(exts))


def assert_decode_error(raw: bytes, alert=AlertDescription.decode_error, field=None, kex=None):
    with pytest.raises(DecodeError) as info:
        parse_handshake(raw, kex=kex)
    assert info.value.alert == alert, info.value
    if field is not None:
        assert info.value.field == field, info.value
    return info.value


def test_hand_built_client_hello_parses():
    hello = parse_handshake(client_hello(exts=ext(0, u16(b"\x00" + u16(b"x.org")))))
    assert hello.extensions[0].host_name == "x.org"


# --------------------------------------------------------------------------- strictness


def test_header_length_disagrees_with_content():
    raw = ServerHelloDone().build()
    assert_decode_error(raw + b"\x00", field="_Frame")  # trailing bytes after the message
    assert_decode_error(b"\x0e\x00\x00\x01", field="_Frame.body")  # announced 1, none there
    good = client_hello()
    assert_decode_error(good[:-1], field="_Frame.body")


def test_trailing_bytes_in_body():
    body = frame(20, b"")[4:]
    assert Finished.parse(frame(20, body)).verify_data == b""
    assert_decode_error(frame(14, b"\x00"), field="ServerHelloDone")
    assert_decode_error(frame(0, b"\x00"), field="HelloRequest")
    assert_decode_error(
        frame(16, u8(b"\x04abc") + b"\x00"), kex="ecdhe", field="ClientKeyExchangeECDHE"
    )


def test_session_id_over_32():
    err = assert_decode_error(client_hello(session_id=b"\x00" * 33))
    assert err.field == "ClientHello.session_id"
    assert "above the maximum 32" in str(err)


def test_empty_vectors_where_forbidden():
    assert_decode_error(client_hello(suites=b""), field="ClientHello.cipher_suites")
    assert_decode_error(client_hello(compression=b""), field="ClientHello.compression_methods")
    assert_decode_error(
        frame(11, (3).to_bytes(3, "big") + b"\x00\x00\x00"), field="Certificate.certificate_list"
    )
    assert_decode_error(frame(16, b"\x00"), kex="ecdhe", field="ClientKeyExchangeECDHE.public")
    assert_decode_error(frame(16, b"\x00\x00"), kex="dhe", field="ClientKeyExchangeDHE.dh_yc")
    assert_decode_error(
        frame(13, b"\x00" + u16(b"\x04\x01") + u16(b"")),
        field="CertificateRequest.certificate_types",
    )
    assert_decode_error(
        frame(13, b"\x01\x01" + u16(b"") + u16(b"")),
        field="CertificateRequest.supported_signature_algorithms",
    )
    assert_decode_error(
        frame(13, b"\x01\x01" + u16(b"\x04\x01") + u16(u16(b""))),
        field="CertificateRequest.certificate_authorities",
    )
    assert_decode_error(frame(22, b"\x01\x00\x00\x00"), field="CertificateStatus.response")
    # empty lists inside extensions
    assert_decode_error(
        client_hello(exts=ext(0, u16(b""))),
        field="ClientHello.extensions.ServerNameExtension.server_names",
    )
    assert_decode_error(client_hello(exts=ext(10, u16(b""))))
    assert_decode_error(client_hello(exts=ext(11, u8(b""))))
    assert_decode_error(client_hello(exts=ext(13, u16(b""))))
    assert_decode_error(client_hello(exts=ext(16, u16(b""))))
    assert_decode_error(client_hello(exts=ext(16, u16(b"\x00"))))  # empty protocol name
    assert_decode_error(client_hello(exts=ext(43, u8(b""))))


def test_odd_length_uint16_lists():
    err = assert_decode_error(client_hello(suites=b"\x00\x2f\x00"))
    assert err.field == "ClientHello.cipher_suites" and "multiple of the item size 2" in str(err)
    assert_decode_error(client_hello(exts=ext(10, u16(b"\x00\x1d\x00"))))
    assert_decode_error(client_hello(exts=ext(13, u16(b"\x04\x01\x05"))))
    assert_decode_error(client_hello(exts=ext(43, u8(b"\x03\x04\x03"))))


def test_duplicate_extension():
    err = assert_decode_error(
        client_hello(exts=ext(23, b"") + ext(0xFF01, b"\x00") + ext(23, b"")),
        alert=AlertDescription.illegal_parameter,
    )
    assert "duplicate extension extended_master_secret (23)" in str(err)
    assert_decode_error(
        client_hello(exts=ext(0x1234, b"") + ext(0x1234, b"a")),
        alert=AlertDescription.illegal_parameter,
    )
    assert_decode_error(
        server_hello(ext(0xFF01, b"\x00") * 2), alert=AlertDescription.illegal_parameter
    )


def test_extension_data_must_be_consumed():
    err = assert_decode_error(client_hello(exts=ext(23, b"\x00")))
    assert err.field == "ClientHello.extensions.ExtendedMasterSecretExtension"
    assert_decode_error(client_hello(exts=ext(0xFF01, b"\x00\x00")))
    assert_decode_error(client_hello(exts=ext(28, b"\x40\x00\x00")))
    # the extensions block itself: length disagrees with the list
    assert_decode_error(client_hello(exts=ext(23, b""))[:-1] + b"")  # truncated
    bad = client_hello(exts=ext(23, b""))
    bad = bad[:-6] + b"\x00\x05" + bad[-4:]  # list length 5, one 4-byte extension
    bad = frame(1, bad[4:])
    assert_decode_error(bad)


def test_server_hello_context_forms():
    sh = parse_handshake(server_hello(ext(0, b"") + ext(5, b"") + ext(35, b"")))
    assert sh.extensions == [
        ServerNameExtension(),
        StatusRequestExtension(),
        SessionTicketExtension(),
    ]
    assert_decode_error(server_hello(ext(0, u16(b"\x00" + u16(b"a")))))
    assert_decode_error(server_hello(ext(35, b"tick")))
    alpn = server_hello(ext(16, u16(u8(b"h2") + u8(b"h3"))))
    assert_decode_error(alpn, alert=AlertDescription.illegal_parameter)
    assert parse_handshake(server_hello(ext(43, b"\x03\x04"))).extensions == [
        SupportedVersionsExtension([ProtocolVersion.TLS1_3])
    ]
    # the same bytes are a ClientHello form error the other way round
    assert_decode_error(client_hello(exts=ext(43, b"\x03\x04")))
    assert parse_extensions(u16(ext(0, b"")), ExtensionContext.server_hello) == [
        ServerNameExtension()
    ]


def test_building_a_client_form_in_a_server_hello_is_an_encode_error():
    for bad in (
        ServerNameExtension.for_host("a"),
        SessionTicketExtension(b"t"),
        StatusRequestExtension(1, OCSPStatusRequest([], b"")),
    ):
        sh = ServerHello(ProtocolVersion.TLS1_2, RANDOM, b"", 0xC013, 0, [bad])
        with pytest.raises(EncodeError):
            sh.build()
    # same layout, only a count rule: building stays permissive (a test can send a bad peer's
    # message); parsing refuses it
    sh = ServerHello(0x0303, RANDOM, b"", 0xC013, 0, [ALPNExtension([b"a", b"b"])])
    with pytest.raises(DecodeError):
        ServerHello.parse(sh.build())
    with pytest.raises(EncodeError):
        ClientHello(0x0303, RANDOM, b"", [0x2F], [0], ["not an extension"]).build()


def test_value_checks():
    assert_decode_error(
        client_hello(exts=ext(28, b"\x00\x3f")), alert=AlertDescription.illegal_parameter
    )
    names = u16(b"\x00" + u16(b"a") + b"\x00" + u16(b"b"))
    assert_decode_error(client_hello(exts=ext(0, names)), alert=AlertDescription.illegal_parameter)
    # status_request with an unknown status_type keeps its bytes
    hello = parse_handshake(client_hello(exts=ext(5, b"\x07abc")))
    assert hello.extensions == [StatusRequestExtension(7, b"abc")]


def test_server_key_exchange():
    ske = SAMPLES[8]
    assert ske.params_bytes() == b"\x03\x00\x17\x41" + b"\x04" + b"\x01" * 64
    dhe = SAMPLES[9]
    assert dhe.params_bytes() == u16(b"\xff" * 256) + u16(b"\x02") + u16(b"\x00\x7f" * 128)
    assert dhe.build()[4:].startswith(dhe.params_bytes())
    explicit = frame(12, b"\x01" + b"\x00" * 10)
    assert_decode_error(
        explicit,
        kex="ecdhe",
        alert=AlertDescription.illegal_parameter,
        field="ServerKeyExchangeECDHE.curve_type",
    )
    assert_decode_error(
        frame(12, b"\x03\x00\x1d\x00\x04\x01\x00\x00"),
        kex="ecdhe",
        field="ServerKeyExchangeECDHE.public",
    )


def test_dispatch():
    ske = SAMPLES[8].build()
    err = assert_decode_error(ske, alert=AlertDescription.internal_error)
    assert "needs the key exchange" in str(err)
    assert_decode_error(ske, kex="rsa", alert=AlertDescription.unexpected_message)
    assert_decode_error(frame(3, b""), alert=AlertDescription.unexpected_message)
    assert_decode_error(frame(0x63, b""), alert=AlertDescription.unexpected_message)
    assert message_class(HandshakeType.client_key_exchange, "rsa") is ClientKeyExchangeRSA
    with pytest.raises(DecodeError) as info:
        Finished.parse(ServerHelloDone().build())
    assert info.value.alert == AlertDescription.unexpected_message


def test_split_handshake_shared_and_spanning():
    msgs = [SAMPLES[4].build(), SAMPLES[6].build(), ServerHelloDone().build()]
    stream = b"".join(msgs)
    # all in one record
    out, rest = split_handshake(stream)
    assert [m for _, m in out] == msgs and rest == b""
    assert [t for t, _ in out] == [HandshakeType.server_hello, HandshakeType.certificate, 14]
    # fed in 7-byte fragments, as records might split them
    buffered, seen = b"", []
    for i in range(0, len(stream), 7):
        buffered += stream[i : i + 7]
        out, buffered = split_handshake(buffered)
        seen += [m for _, m in out]
    assert seen == msgs and buffered == b""
    with pytest.raises(DecodeError) as info:
        split_handshake(b"\x0b\x01\x00\x00", max_length=0xFFFF)
    assert info.value.alert == AlertDescription.illegal_parameter
    assert split_handshake(b"\x0b\x00") == ([], b"\x0b\x00")


# --------------------------------------------------------------------------- SSLv2 ClientHello


def sslv2(
    cipher_specs: bytes, session_id: bytes, challenge: bytes, length: int | None = None
) -> bytes:
    body = (
        b"\x01\x03\x01"
        + len(cipher_specs).to_bytes(2, "big")
        + len(session_id).to_bytes(2, "big")
        + len(challenge).to_bytes(2, "big")
        + cipher_specs
        + session_id
        + challenge
    )
    n = len(body) if length is None else length
    return (0x8000 | n).to_bytes(2, "big") + body


def test_sslv2_client_hello():
    raw = sslv2(b"\x00\x00\x2f\x01\x00\x80", b"", b"C" * 16)
    msg = SSLv2ClientHello.parse(raw)
    assert msg == SSLv2ClientHello(ProtocolVersion.TLS1_0, [0x2F, 0x010080], b"", b"C" * 16)
    assert msg.build() == raw
    for bad in (
        sslv2(b"\x00\x00\x2f\x00", b"", b"C" * 16),
        sslv2(b"", b"", b"C" * 16),
        sslv2(b"\x00\x00\x2f", b"s" * 5, b"C" * 16),
        sslv2(b"\x00\x00\x2f", b"", b"C" * 15),
        sslv2(b"\x00\x00\x2f", b"", b"C" * 16, length=99),
        raw[:-1],
        raw + b"\x00",
        b"\x00" + raw[1:],
    ):
        with pytest.raises(DecodeError):
            SSLv2ClientHello.parse(bad)
