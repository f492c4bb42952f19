"""tls.keyexchange: ECDHE, DHE (RFC 7919) and RSA key transport with the RFC 5246 §7.4.7.1
countermeasure."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dh, ec, padding, rsa, x25519

from records.registry import AlertDescription, NamedGroup
from tls.errors import ConfigError, TLSLocalAlert
from tls.keyexchange import (
    DEFAULT_GROUPS,
    FFDHE_GENERATOR,
    FFDHE_PRIMES,
    DheKeyPair,
    EcdheKeyPair,
    choose_ecdhe_group,
    choose_ffdhe_group,
    parse_groups_list,
    rsa_decrypt_pre_master_secret,
    rsa_encrypt_pre_master_secret,
)

VECTORS = Path(__file__).resolve().parent.parent / "vectors"
TLS12 = 0x0303

# --------------------------------------------------------------------------------------------------
# ECDHE
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("group", DEFAULT_GROUPS, ids=lambda g: g.name)
def test_ecdhe_two_keypairs_agree(group: NamedGroup) -> None:
    a = EcdheKeyPair.generate(group)
    b = EcdheKeyPair.generate(group)
    assert a.group == group
    secret = a.exchange(b.public_bytes)
    assert secret == b.exchange(a.public_bytes)
    assert (
        len(secret)
        == {
            NamedGroup.x25519: 32,
            NamedGroup.x448: 56,
            NamedGroup.secp256r1: 32,
            NamedGroup.secp384r1: 48,
            NamedGroup.secp521r1: 66,
        }[group]
    )
    assert secret != a.exchange(EcdheKeyPair.generate(group).public_bytes)


@pytest.mark.parametrize(
    ("group", "length"),
    [(NamedGroup.secp256r1, 65), (NamedGroup.secp384r1, 97), (NamedGroup.secp521r1, 133)],
)
def test_nist_public_bytes_are_uncompressed_points(group: NamedGroup, length: int) -> None:
    pair = EcdheKeyPair.generate(group)
    assert len(pair.public_bytes) == length
    assert pair.public_bytes[0] == 4


def test_x25519_rfc7748_known_answer() -> None:
    # RFC 7748 §6.1 (Alice and Bob), https://www.rfc-editor.org/rfc/rfc7748#section-6.1
    alice_private = bytes.fromhex(
        "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"
    )
    alice_public = bytes.fromhex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")
    bob_public = bytes.fromhex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f")
    shared = bytes.fromhex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742")
    alice = EcdheKeyPair(
        NamedGroup.x25519, x25519.X25519PrivateKey.from_private_bytes(alice_private)
    )
    assert alice.public_bytes == alice_public
    assert alice.exchange(bob_public) == shared


def _expect_illegal(pair: EcdheKeyPair, peer: bytes, *words: str) -> None:
    with pytest.raises(TLSLocalAlert) as info:
        pair.exchange(peer, context="ClientKeyExchange")
    assert info.value.description == AlertDescription.illegal_parameter
    message = str(info.value)
    assert message.startswith("ClientKeyExchange: ")
    assert pair.group.name in message
    for word in words:
        assert word in message


@pytest.mark.parametrize("group", [NamedGroup.x25519, NamedGroup.x448], ids=lambda g: g.name)
def test_montgomery_wrong_length(group: NamedGroup) -> None:
    pair = EcdheKeyPair.generate(group)
    good = EcdheKeyPair.generate(group).public_bytes
    _expect_illegal(pair, good[:-1], f"{len(good) - 1} bytes", f"expected {len(good)}")
    _expect_illegal(pair, good + b"\x00", f"{len(good) + 1} bytes")
    _expect_illegal(pair, b"", "0 bytes")


@pytest.mark.parametrize("group", [NamedGroup.x25519, NamedGroup.x448], ids=lambda g: g.name)
@pytest.mark.parametrize("u", [0, 1], ids=["u=0", "u=1"])
def test_montgomery_low_order_point_gives_all_zero_secret(group: NamedGroup, u: int) -> None:
    # u = 0 and u = 1 are small-order u-coordinates: X25519/X448 of any clamped scalar with them
    # is zero, the case RFC 7748 §6.1/§6.2 tells implementations to check for.
    size = 32 if group == NamedGroup.x25519 else 56
    pair = EcdheKeyPair.generate(group)
    _expect_illegal(pair, u.to_bytes(size, "little"), "low-order point", "all zeros")


def test_nist_compressed_point_refused() -> None:
    pair = EcdheKeyPair.generate(NamedGroup.secp256r1)
    compressed = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint)
    )
    assert compressed[0] in (2, 3)
    _expect_illegal(pair, compressed, "not an uncompressed point", "compressed")


def test_nist_wrong_length_refused() -> None:
    pair = EcdheKeyPair.generate(NamedGroup.secp384r1)
    good = EcdheKeyPair.generate(NamedGroup.secp384r1).public_bytes
    _expect_illegal(pair, good[:-1], "96 bytes", "expected 97")
    _expect_illegal(pair, good + b"\x01", "98 bytes")
    # A P-256 point offered on P-384.
    _expect_illegal(pair, EcdheKeyPair.generate(NamedGroup.secp256r1).public_bytes, "65 bytes")


def test_nist_point_at_infinity_and_empty_refused() -> None:
    pair = EcdheKeyPair.generate(NamedGroup.secp256r1)
    _expect_illegal(pair, b"\x00", "not an uncompressed point")
    _expect_illegal(pair, b"", "not an uncompressed point", "empty")


@pytest.mark.parametrize(
    "group",
    [NamedGroup.secp256r1, NamedGroup.secp384r1, NamedGroup.secp521r1],
    ids=lambda g: g.name,
)
def test_nist_off_curve_point_refused(group: NamedGroup) -> None:
    pair = EcdheKeyPair.generate(group)
    good = bytearray(EcdheKeyPair.generate(group).public_bytes)
    good[-1] ^= 1  # y + 1 or y - 1: (x, y±1) is not on the curve
    _expect_illegal(pair, bytes(good), "not a point on the curve")


def test_generate_unsupported_group() -> None:
    for group in (NamedGroup.brainpoolP256r1, NamedGroup.ffdhe2048, 0x1234):
        with pytest.raises(TLSLocalAlert) as info:
            EcdheKeyPair.generate(group)
        assert info.value.description == AlertDescription.illegal_parameter
        assert "not a supported ECDHE group" in str(info.value)


# --------------------------------------------------------------------------------------------------
# Group lists and selection
# --------------------------------------------------------------------------------------------------


def test_parse_groups_list_openssl_and_iana_names() -> None:
    assert parse_groups_list("X25519:P-256:prime256v1:secp384r1:ffdhe2048") == (
        NamedGroup.x25519,
        NamedGroup.secp256r1,
        NamedGroup.secp384r1,
        NamedGroup.ffdhe2048,
    )
    assert parse_groups_list("x448:P-521:secp521r1:FFDHE4096:ffdhe3072") == (
        NamedGroup.x448,
        NamedGroup.secp521r1,
        NamedGroup.ffdhe4096,
        NamedGroup.ffdhe3072,
    )


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("X25519:nope", "unknown group 'nope'"),
        ("brainpoolP256r1", "brainpoolP256r1 is not supported"),
        ("X25519::P-256", "empty group name"),
        ("", "empty group name"),
    ],
)
def test_parse_groups_list_errors(text: str, fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment):
        parse_groups_list(text)


def test_choose_ecdhe_group_uses_our_order() -> None:
    ours = (NamedGroup.x25519, NamedGroup.secp256r1, NamedGroup.secp384r1)
    assert choose_ecdhe_group([NamedGroup.secp384r1, NamedGroup.secp256r1], ours) == (
        NamedGroup.secp256r1
    )
    assert choose_ecdhe_group([0x0A0A, NamedGroup.x25519], ours) == NamedGroup.x25519  # GREASE
    assert choose_ecdhe_group([NamedGroup.x448, NamedGroup.ffdhe2048], ours) is None
    assert choose_ecdhe_group(None, ours) == NamedGroup.secp256r1
    assert choose_ecdhe_group(None, (NamedGroup.x25519,)) == NamedGroup.x25519


def test_choose_ffdhe_group_rfc7919_section4() -> None:
    # Client lists FFDHE groups: the first of ours among them, or None (no DHE suite).
    assert choose_ffdhe_group([NamedGroup.x25519, NamedGroup.ffdhe3072]) == NamedGroup.ffdhe3072
    assert choose_ffdhe_group([NamedGroup.ffdhe8192]) is None
    # Client lists no FFDHE group, or no supported_groups at all: our first.
    assert choose_ffdhe_group([NamedGroup.x25519]) == NamedGroup.ffdhe2048
    assert choose_ffdhe_group(None, (NamedGroup.ffdhe4096,)) == NamedGroup.ffdhe4096


# --------------------------------------------------------------------------------------------------
# FFDHE groups
# --------------------------------------------------------------------------------------------------

# RFC 7919 Appendix A: p = 2^b - 2^{b-64} + {[2^{b-130} e] + X} * 2^64 - 1, with these X
# (A.1: 560316, A.2: 2625351, A.3: 5736041).
RFC7919_X = {
    NamedGroup.ffdhe2048: 560316,
    NamedGroup.ffdhe3072: 2625351,
    NamedGroup.ffdhe4096: 5736041,
}
BITS = {NamedGroup.ffdhe2048: 2048, NamedGroup.ffdhe3072: 3072, NamedGroup.ffdhe4096: 4096}


def _floor_e_times_2_to(bits: int) -> int:
    """floor(2**bits * e), from e = sum 1/k!, in integers with 64 guard bits."""
    guard = 64
    term = 1 << (bits + guard)
    total, k = 0, 0
    while term:
        total += term
        k += 1
        term //= k
    return total >> guard


def _miller_rabin(n: int, bases: tuple[int, ...]) -> bool:
    d, s = n - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    for a in bases:
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


@pytest.mark.parametrize("group", list(FFDHE_PRIMES), ids=lambda g: g.name)
def test_ffdhe_prime_matches_rfc7919_formula(group: NamedGroup) -> None:
    b = BITS[group]
    expected = 2**b - 2 ** (b - 64) + (_floor_e_times_2_to(b - 130) + RFC7919_X[group]) * 2**64 - 1
    assert FFDHE_PRIMES[group] == expected
    assert FFDHE_PRIMES[group].bit_length() == b
    assert FFDHE_GENERATOR == 2


@pytest.mark.parametrize("group", list(FFDHE_PRIMES), ids=lambda g: g.name)
def test_ffdhe_prime_is_a_safe_prime(group: NamedGroup) -> None:
    p = FFDHE_PRIMES[group]
    q = (p - 1) // 2
    # Probable primality of q (two Miller-Rabin rounds: pow() on 4096 bits costs ~0.2 s here),
    # then Pocklington: q prime, q > sqrt(p), 2^(p-1) = 1 mod p and gcd(2^2 - 1, p) = 1
    # prove p prime.
    assert _miller_rabin(q, (2, 3))
    assert pow(2, p - 1, p) == 1
    assert p % 3 != 0
    # g = 2 generates the prime-order subgroup of size q: 2^q = 1 mod p (2 is a quadratic residue).
    assert pow(2, q, p) == 1


@pytest.mark.parametrize("group", list(FFDHE_PRIMES), ids=lambda g: g.name)
def test_ffdhe_prime_matches_openssl(group: NamedGroup) -> None:
    # vectors/ffdhe/README.md: `openssl genpkey -genparam -algorithm DH -pkeyopt group:<name>`
    pem = (VECTORS / "ffdhe" / f"{group.name}.pem").read_bytes()
    numbers = serialization.load_pem_parameters(pem).parameter_numbers()
    assert numbers.p == FFDHE_PRIMES[group]
    assert numbers.g == FFDHE_GENERATOR


# --------------------------------------------------------------------------------------------------
# DHE
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("group", list(FFDHE_PRIMES), ids=lambda g: g.name)
def test_dhe_server_and_client_agree(group: NamedGroup) -> None:
    server = DheKeyPair.generate_server(group)
    assert server.group == group
    assert server.p == FFDHE_PRIMES[group]
    assert server.public_bytes[0] != 0
    client = DheKeyPair.generate_client(server.p_bytes, server.g_bytes, server.public_bytes)
    assert client.group == group
    z = client.exchange(server.public_bytes)
    assert z == server.exchange(client.public_bytes)
    # Independent computation with Python integers.
    x = server._private.private_numbers().x
    assert int.from_bytes(z, "big") == pow(int.from_bytes(client.public_bytes, "big"), x, server.p)


def test_dhe_leading_zeros_of_z_are_stripped() -> None:
    # RFC 5246 §8.1.2: "Leading bytes of Z that contain all zero bits are stripped". Peer values
    # Y_k = 2^k give Z_k = (2^x)^k = Ys^k, so walk k until Z_k < 2^(2048-8) (about 1 in 256).
    server = DheKeyPair.generate_server(NamedGroup.ffdhe2048)
    p, ys = server.p, int.from_bytes(server.public_bytes, "big")
    k, z_int = 1, ys
    while z_int >= 2 ** (2048 - 8):
        k, z_int = k + 1, z_int * ys % p
        assert k < 2040, "no Z with a leading zero byte"
    z = server.exchange(pow(2, k, p).to_bytes(256, "big"))
    assert z[0] != 0
    assert len(z) < 256
    assert int.from_bytes(z, "big") == z_int


def test_dhe_client_refuses_small_prime() -> None:
    p1024 = FFDHE_PRIMES[NamedGroup.ffdhe2048] >> 1024 | 1
    with pytest.raises(TLSLocalAlert) as info:
        DheKeyPair.generate_client(p1024, 2)
    assert info.value.description == AlertDescription.insufficient_security
    assert "1024 bits" in str(info.value)
    assert "at least 2048" in str(info.value)
    # A caller may demand more.
    with pytest.raises(TLSLocalAlert) as info:
        DheKeyPair.generate_client(FFDHE_PRIMES[NamedGroup.ffdhe2048], 2, min_bits=3072)
    assert info.value.description == AlertDescription.insufficient_security


@pytest.mark.parametrize("g", [0, 1, -1, "p-1", "p", "p+1"])
def test_dhe_client_refuses_bad_generator(g: int | str) -> None:
    p = FFDHE_PRIMES[NamedGroup.ffdhe2048]
    value = {"p-1": p - 1, "p": p, "p+1": p + 1}.get(g, g) if isinstance(g, str) else g
    with pytest.raises(TLSLocalAlert) as info:
        DheKeyPair.generate_client(p, value)
    assert info.value.description == AlertDescription.illegal_parameter
    assert "generator" in str(info.value)


def test_dhe_client_refuses_even_prime() -> None:
    p = FFDHE_PRIMES[NamedGroup.ffdhe2048] + 1
    with pytest.raises(TLSLocalAlert) as info:
        DheKeyPair.generate_client(p, 2)
    assert info.value.description == AlertDescription.illegal_parameter


def _bad_ys(p: int) -> list[int]:
    return [0, 1, p - 1, p, p + 1, 2**2100]


@pytest.mark.parametrize("index", range(6))
def test_dhe_client_checks_server_ys(index: int) -> None:
    p = FFDHE_PRIMES[NamedGroup.ffdhe2048]
    ys = _bad_ys(p)[index]
    raw = ys.to_bytes(max(1, (ys.bit_length() + 7) // 8), "big")
    with pytest.raises(TLSLocalAlert) as info:
        DheKeyPair.generate_client(p, 2, raw)
    assert info.value.description == AlertDescription.illegal_parameter
    assert "ServerKeyExchange: server DH public value Ys" in str(info.value)
    assert "1 < Y < p-1" in str(info.value)


@pytest.mark.parametrize("index", range(6))
def test_dhe_exchange_checks_peer_y(index: int) -> None:
    server = DheKeyPair.generate_server(NamedGroup.ffdhe2048)
    y = _bad_ys(server.p)[index]
    with pytest.raises(TLSLocalAlert) as info:
        server.exchange(y, context="ClientKeyExchange")
    assert info.value.description == AlertDescription.illegal_parameter
    assert str(info.value).startswith("ClientKeyExchange: peer DH public value (ffdhe2048)")


def test_dhe_accepts_smallest_and_largest_valid_y() -> None:
    server = DheKeyPair.generate_server(NamedGroup.ffdhe2048)
    assert server.exchange(b"\x02")  # 2^x mod p
    assert server.exchange((server.p - 2).to_bytes(256, "big"))


def test_dhe_server_refuses_unknown_group() -> None:
    with pytest.raises(ConfigError, match="ffdhe8192 is not a supported FFDHE group"):
        DheKeyPair.generate_server(NamedGroup.ffdhe8192)


def test_dhe_client_with_non_rfc7919_parameters() -> None:
    # Parameters that are not an RFC 7919 group (the ffdhe2048 prime with g = 5, in range) take the
    # Python-integer path with a short exponent: .group is None, and Z matches what cryptography
    # (OpenSSL) computes for the same keys.
    p = FFDHE_PRIMES[NamedGroup.ffdhe2048]
    client = DheKeyPair.generate_client(p, 5)
    assert client.group is None
    assert client.name == "DH 2048-bit"
    assert client._x is not None and 250 < client._x.bit_length() <= 256
    peer = dh.DHParameterNumbers(p, 5).parameters().generate_private_key()
    peer_y = peer.public_key().public_numbers().y
    client_pub = dh.DHPublicNumbers(
        int.from_bytes(client.public_bytes, "big"), dh.DHParameterNumbers(p, 5)
    ).public_key()
    assert client.exchange(peer_y.to_bytes(256, "big")) == peer.exchange(client_pub).lstrip(b"\x00")


def test_dhe_client_refuses_huge_prime() -> None:
    with pytest.raises(TLSLocalAlert) as info:
        DheKeyPair.generate_client((1 << 8200) - 1, 2)
    assert info.value.description == AlertDescription.illegal_parameter
    assert "8200 bits; at most 8192" in str(info.value)


# --------------------------------------------------------------------------------------------------
# RSA key transport
# --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class Recorder:
    """An injectable random source that records the sizes asked for."""

    def __init__(self, byte: int) -> None:
        self.byte = byte
        self.calls: list[int] = []

    def __call__(self, n: int) -> bytes:
        self.calls.append(n)
        return bytes([self.byte]) * n


def test_rsa_round_trip(rsa_key: rsa.RSAPrivateKey) -> None:
    client_random = Recorder(0x11)
    pms, encrypted = rsa_encrypt_pre_master_secret(rsa_key.public_key(), TLS12, client_random)
    assert pms == b"\x03\x03" + b"\x11" * 46
    assert client_random.calls == [46]
    assert len(encrypted) == 256
    server_random = Recorder(0xEE)
    assert rsa_decrypt_pre_master_secret(rsa_key, encrypted, TLS12, server_random) == pms
    # The fallback is drawn first, on success too (no path difference in what is drawn).
    assert server_random.calls == [48]


def _encrypt(key: rsa.RSAPrivateKey, message: bytes) -> bytes:
    return key.public_key().encrypt(message, padding.PKCS1v15())


def _raw_rsa(key: rsa.RSAPrivateKey, encoded_message: bytes) -> bytes:
    """Textbook RSA on an already padded message (to build bad paddings)."""
    numbers = key.public_key().public_numbers()
    c = pow(int.from_bytes(encoded_message, "big"), numbers.e, numbers.n)
    return c.to_bytes(256, "big")


def _bad_ciphertexts(key: rsa.RSAPrivateKey) -> dict[str, bytes]:
    ps = b"\x5a" * (256 - 3 - 48)
    good_pms = b"\x03\x03" + b"\x42" * 46
    return {
        "bad padding (block type 1)": _raw_rsa(key, b"\x00\x01" + ps + b"\x00" + good_pms),
        "bad padding (no zero separator)": _raw_rsa(key, b"\x00\x02" + b"\x5a" * 254),
        # n >= 2^2047, so a message starting 0x01 is still below n.
        "bad padding (first byte not zero)": _raw_rsa(key, b"\x01\x02" + ps + b"\x00" + good_pms),
        "bad padding (short PS)": _raw_rsa(
            key, b"\x00\x02" + b"\x5a" * 4 + b"\x00" + b"\x00" * 201 + good_pms
        ),
        "47-byte message": _encrypt(key, good_pms[:47]),
        "49-byte message": _encrypt(key, good_pms + b"\x00"),
        "empty message": _encrypt(key, b""),
        "wrong version 3.2": _encrypt(key, b"\x03\x02" + b"\x42" * 46),
        "wrong version 0.0": _encrypt(key, b"\x00\x00" + b"\x42" * 46),
        "TLS 1.3 version": _encrypt(key, b"\x03\x04" + b"\x42" * 46),
        "ciphertext one byte short": _encrypt(key, good_pms)[1:],
        "ciphertext one byte long": b"\x00" + _encrypt(key, good_pms),
        "empty ciphertext": b"",
        "random ciphertext": bytes(range(256)),
    }


def test_rsa_bad_ciphertexts_give_the_injected_random(rsa_key: rsa.RSAPrivateKey) -> None:
    for name, ciphertext in _bad_ciphertexts(rsa_key).items():
        fallback = Recorder(0xC5)
        result = rsa_decrypt_pre_master_secret(rsa_key, ciphertext, TLS12, fallback)
        assert type(result) is bytes, name
        assert result == b"\xc5" * 48, name
        assert fallback.calls == [48], name


def test_rsa_good_ciphertext_for_other_client_versions(rsa_key: rsa.RSAPrivateKey) -> None:
    for version in (0x0301, 0x0302, 0x0303):
        pms, encrypted = rsa_encrypt_pre_master_secret(rsa_key.public_key(), version)
        assert rsa_decrypt_pre_master_secret(rsa_key, encrypted, version) == pms
        # Checked against ClientHello.client_version, not the negotiated version.
        other = 0x0303 if version != 0x0303 else 0x0302
        assert rsa_decrypt_pre_master_secret(rsa_key, encrypted, other) != pms


def test_installed_cryptography_uses_implicit_rejection(rsa_key: rsa.RSAPrivateKey) -> None:
    # Documents the finding described in rsa_decrypt_pre_master_secret: cryptography 48 (bundled
    # OpenSSL 4.0) answers a bad PKCS#1 v1.5 padding with a deterministic synthetic message rather
    # than an exception, and raises only for a ciphertext of the wrong size. If this changes, the
    # function still works (the tests above and below cover both), but its docstring is stale.
    bad = _bad_ciphertexts(rsa_key)["bad padding (block type 1)"]
    synthetic = rsa_key.decrypt(bad, padding.PKCS1v15())
    assert synthetic == rsa_key.decrypt(bad, padding.PKCS1v15())
    assert synthetic != b"\x03\x03" + b"\x42" * 46
    with pytest.raises(ValueError):
        rsa_key.decrypt(bad[1:], padding.PKCS1v15())


class _ImplicitRejectionKey:
    """Stands in for an RSA key whose decrypt() returns a given synthetic message, to cover
    messages of every shape implicit rejection can produce."""

    def __init__(self, synthetic: bytes) -> None:
        self.synthetic = synthetic

    def decrypt(self, ciphertext: bytes, pad: padding.AsymmetricPadding) -> bytes:
        return self.synthetic


@pytest.mark.parametrize(
    "synthetic",
    [b"\x9f" * 97, b"\x9f" * 48, b"\x03\x03" + b"\x9f" * 47, b""],
    ids=["97 bytes", "48 bytes wrong version", "49 bytes right version", "empty"],
)
def test_rsa_implicit_rejection_message_gives_the_fallback(synthetic: bytes) -> None:
    fallback = Recorder(0x77)
    key = _ImplicitRejectionKey(synthetic)
    result = rsa_decrypt_pre_master_secret(key, b"x" * 256, TLS12, fallback)  # type: ignore[arg-type]
    assert result == b"\x77" * 48


def test_rsa_random_of_wrong_size_is_a_programming_error(rsa_key: rsa.RSAPrivateKey) -> None:
    with pytest.raises(ValueError, match="requested number of bytes"):
        rsa_decrypt_pre_master_secret(rsa_key, b"", TLS12, lambda n: b"\x00")
