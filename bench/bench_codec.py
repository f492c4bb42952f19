"""Codec benchmarks for records/ (pytest-benchmark).

Run: ``python -m pytest bench/bench_codec.py --benchmark-only``  (not part of the default test run:
pyproject's testpaths is tests/). Figures are recorded in bench/README.md ("Codec").

Messages go through the code generated from their declarations (records._compiled); each
``*_declaration`` benchmark runs the same work through construct's interpreter
(``records.vocab.FAST = False``, as with ``TLS12_RECORDS_INTERPRETED=1``) for comparison.
"""

from __future__ import annotations

import datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from records import (
    ALPNExtension,
    Certificate,
    CipherSuite,
    ClientHello,
    ClientKeyExchangeECDHE,
    ContentType,
    ECCurveType,
    ECPointFormatsExtension,
    EncryptThenMacExtension,
    ExtendedMasterSecretExtension,
    Finished,
    NamedGroup,
    PaddingExtension,
    ProtocolVersion,
    RecordHeader,
    RecordSizeLimitExtension,
    RenegotiationInfoExtension,
    ServerHello,
    ServerHelloDone,
    ServerKeyExchangeECDHE,
    ServerNameExtension,
    SessionTicketExtension,
    SignatureAlgorithmsExtension,
    SignatureScheme,
    StatusRequestExtension,
    SupportedGroupsExtension,
    SupportedVersionsExtension,
    build_header,
    parse_handshake,
    parse_header,
    split_records,
    vocab,
)
from records.extensions import OCSPStatusRequest
from records.registry import CertificateStatusType


def _chain() -> list[bytes]:
    """root -> intermediate -> leaf, P-256 (fast to generate), DER."""
    now = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    keys = [ec.generate_private_key(ec.SECP256R1()) for _ in range(3)]
    names = [x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]) for cn in
             ("bench root", "bench intermediate", "bench.example")]  # fmt: skip
    certs = []
    for i in range(3):
        issuer = max(i - 1, 0)
        builder = (
            x509.CertificateBuilder()
            .subject_name(names[i])
            .issuer_name(names[issuer])
            .public_key(keys[i].public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=i < 2, path_length=None), critical=True)
        )
        if i == 2:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.DNSName("bench.example")]), critical=False
            )
        certs.append(builder.sign(keys[issuer], hashes.SHA256()))
    return [c.public_bytes(serialization.Encoding.DER) for c in reversed(certs)]


CHAIN = _chain()
CERTIFICATE = Certificate(CHAIN)
CERTIFICATE_RAW = CERTIFICATE.build()

CLIENT_HELLO = ClientHello(
    ProtocolVersion.TLS1_2,
    bytes(range(32)),
    bytes(32),
    [int(s) for s in CipherSuite if s >= 0x2F][:24],
    [0],
    [
        ServerNameExtension.for_host("bench.example"),
        StatusRequestExtension(CertificateStatusType.ocsp, OCSPStatusRequest([], b"")),
        SupportedGroupsExtension(
            [NamedGroup.x25519, NamedGroup.secp256r1, NamedGroup.secp384r1, NamedGroup.ffdhe2048]
        ),
        ECPointFormatsExtension([0]),
        SignatureAlgorithmsExtension(
            [
                SignatureScheme.ecdsa_secp256r1_sha256,
                SignatureScheme.rsa_pss_rsae_sha256,
                SignatureScheme.rsa_pkcs1_sha256,
                SignatureScheme.ecdsa_secp384r1_sha384,
                SignatureScheme.rsa_pss_rsae_sha384,
                SignatureScheme.rsa_pkcs1_sha384,
            ]
        ),
        ALPNExtension([b"h2", b"http/1.1"]),
        EncryptThenMacExtension(),
        ExtendedMasterSecretExtension(),
        SessionTicketExtension(b""),
        RecordSizeLimitExtension(16385),
        RenegotiationInfoExtension(b""),
        SupportedVersionsExtension([ProtocolVersion.TLS1_2]),
        PaddingExtension(bytes(40)),
    ],
)
CLIENT_HELLO_RAW = CLIENT_HELLO.build()
HEADER = build_header(ContentType.application_data, ProtocolVersion.TLS1_2, 16408)
STREAM = (
    build_header(ContentType.application_data, ProtocolVersion.TLS1_2, 1024) + bytes(1024)
) * 16


# tls12's default signature_algorithms list, in its order
CLIENT_SCHEMES = [0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0809, 0x080A, 0x080B, 0x0804, 0x0805]
CLIENT_SCHEMES += [0x0806, 0x0401, 0x0501, 0x0601]
# The messages of one full ECDHE-ECDSA handshake as tls12's client and server send them (same
# extensions, one suite offered, the 2-certificate chain of a leaf and its CA, X25519).
HANDSHAKE_MESSAGES = [
    ClientHello(
        ProtocolVersion.TLS1_2,
        bytes(range(32)),
        b"",
        [CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256],
        [0],
        [
            ServerNameExtension.for_host("localhost"),
            SupportedGroupsExtension([29, 23, 24, 30, 25]),
            ECPointFormatsExtension([0]),
            SignatureAlgorithmsExtension(CLIENT_SCHEMES),
            SessionTicketExtension(b""),
            ExtendedMasterSecretExtension(),
            RenegotiationInfoExtension(b""),
        ],
    ),
    ServerHello(
        ProtocolVersion.TLS1_2,
        bytes(range(32, 64)),
        b"",
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        0,
        [
            RenegotiationInfoExtension(b""),
            ExtendedMasterSecretExtension(),
            ECPointFormatsExtension([0]),
            SessionTicketExtension(),
        ],
    ),
    Certificate(CHAIN[:2]),
    ServerKeyExchangeECDHE(
        ECCurveType.named_curve,
        NamedGroup.x25519,
        bytes(32),
        SignatureScheme.ecdsa_secp256r1_sha256,
        bytes(71),
    ),
    ServerHelloDone(),
    ClientKeyExchangeECDHE(bytes(32)),
    Finished(bytes(12)),
    Finished(bytes(12)),
]
HANDSHAKE_RAW = [(m.build(), "ecdhe") for m in HANDSHAKE_MESSAGES]


@pytest.fixture(params=["generated", "declaration"])
def codec(request):
    """Run the benchmark with the generated code, then with the interpreted declarations."""
    vocab.FAST = request.param == "generated"
    yield request.param
    vocab.FAST = True


def test_record_header_parse(benchmark):
    header = benchmark(parse_header, HEADER)
    assert header.length == 16408


def test_record_header_parse_declaration(benchmark, codec):
    # RecordHeader.parse: the code generated from the declaration, or construct interpreting it
    header = benchmark(RecordHeader.parse, HEADER)
    assert header.length == 16408


def test_record_header_build(benchmark):
    raw = benchmark(build_header, ContentType.application_data, ProtocolVersion.TLS1_2, 16408)
    assert raw == HEADER


def test_record_split_16_records_1k(benchmark):
    records, rest = benchmark(split_records, STREAM)
    assert len(records) == 16 and rest == b""


@pytest.mark.parametrize("what", ["parse", "build"])
def test_client_hello_13_extensions(benchmark, what, codec):
    assert len(CLIENT_HELLO.extensions) == 13
    if what == "parse":
        msg = benchmark(parse_handshake, CLIENT_HELLO_RAW)
        assert msg == CLIENT_HELLO
    else:
        assert benchmark(CLIENT_HELLO.build) == CLIENT_HELLO_RAW


@pytest.mark.parametrize("what", ["parse", "build"])
def test_certificate_chain_3_p256(benchmark, what, codec):
    if what == "parse":
        msg = benchmark(parse_handshake, CERTIFICATE_RAW)
        assert msg.certificate_list == CHAIN
    else:
        assert benchmark(CERTIFICATE.build) == CERTIFICATE_RAW


def _parse_all() -> list:
    return [parse_handshake(raw, kex) for raw, kex in HANDSHAKE_RAW]


def _build_all() -> list[bytes]:
    return [m.build() for m in HANDSHAKE_MESSAGES]


@pytest.mark.parametrize("what", ["parse", "build"])
def test_handshake_messages_ecdhe_ecdsa(benchmark, what, codec):
    """The 8 messages of a full handshake, each parsed (or built) once: both sides together
    build each message once and parse it once."""
    if what == "parse":
        assert benchmark(_parse_all) == HANDSHAKE_MESSAGES
    else:
        assert benchmark(_build_all) == [raw for raw, _ in HANDSHAKE_RAW]
