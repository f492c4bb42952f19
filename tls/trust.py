"""Certificates, keys, trust stores and chain validation.

Path building, signature checks, validity, key usage and host name matching all come from
``cryptography.x509.verification`` (the WebPKI profile of RFC 5280 + CA/B Forum rules); this
module only chooses the policy, adds allow-lists/pinning, and turns failures into
:class:`~tls.errors.CertificateError` with the alert RFC 5246 §7.2.2 prescribes and a message that
names the certificate and the reason.

Alerts used
-----------
- ``unknown_ca``: no path from the chain to a trust anchor (including an untrusted self-signed
  certificate, and a chain that carries its own untrusted root).
- ``certificate_expired``: a certificate on the path is expired or not yet valid (the message
  says which one and when).
- ``unsupported_certificate``: the leaf's extendedKeyUsage lacks serverAuth / clientAuth; or the
  chain uses an algorithm the WebPKI profile refuses (cryptography 48 accepts RSA >= 2048 bits and
  ECDSA P-256/384/521 signatures on certificates: an Ed25519 *leaf key* under an ECDSA/RSA CA is
  fine, an Ed25519-*signed* certificate is not).
- ``bad_certificate``: host name / IP not in subjectAltName, malformed DER, a signature that does
  not verify, a forbidden or broken extension; also an empty server chain.
- ``access_denied``: a valid client certificate that is not on the allow-list (RFC 5246 §7.2.2:
  "a valid certificate was received, but when access control was applied, the sender decided not
  to proceed with negotiation").
- ``handshake_failure``: an empty client chain when a certificate is required. RFC 5246 §7.4.6
  names handshake_failure for TLS 1.2 (certificate_required is TLS 1.3's, RFC 8446).

Explicit trust of a single certificate
--------------------------------------
cryptography's path builder treats *any* certificate in the :class:`~cryptography.x509.
verification.Store` as an anchor, including a CA:FALSE self-signed leaf or a CA-issued leaf: the
chain is then just ``[leaf]``, and validity, key usage, EKU and (for servers) the subjectAltName
are still checked. So:

* a self-signed server certificate is trusted by putting it in the :class:`TrustStore`
  (``--cafile server.pem``);
* pinning (``pinned=`` on :func:`verify_server_chain`) and client allow-lists
  (``allow_list=`` on :func:`verify_client_chain`) verify a listed leaf against a one-certificate
  store holding that leaf, so those checks are done by cryptography, not here.

Performance
-----------
Certificates are parsed once (:class:`TrustStore` keeps parsed objects and one
``verification.Store``, built on first use). Verifiers are *not* cached: a verifier fixes its
validation time when built, and building one costs about 2.5 µs against about 130 µs for a
``verify()`` (measured with cryptography 48), so caching would save nothing and risk a stale clock.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import ipaddress
import os
import re
import ssl
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa, x448, x25519
from cryptography.x509 import verification as xv
from cryptography.x509.oid import ExtendedKeyUsageOID

from records.registry import AlertDescription

from .errors import CertificateError, ConfigError

__all__ = [
    "AllowList",
    "PrivateKey",
    "TrustStore",
    "check_key_matches",
    "describe",
    "fingerprint_sha256",
    "load_certificates",
    "load_private_key",
    "verify_client_chain",
    "verify_server_chain",
]

PrivateKey: TypeAlias = (
    rsa.RSAPrivateKey
    | ec.EllipticCurvePrivateKey
    | ed25519.Ed25519PrivateKey
    | ed448.Ed448PrivateKey
    | dsa.DSAPrivateKey
    | x25519.X25519PrivateKey
    | x448.X448PrivateKey
)
Source: TypeAlias = str | os.PathLike[str] | bytes

_PEM_CERT = b"-----BEGIN CERTIFICATE-----"


# --------------------------------------------------------------------------- loading


def _read(source: Source, what: str) -> tuple[bytes, str]:
    """The bytes of ``source`` and a label for messages. A ``str`` holding PEM text is data."""
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source), f"{what} (bytes)"
    if isinstance(source, str) and source.lstrip().startswith("-----BEGIN"):
        return source.encode("ascii"), f"{what} (PEM text)"
    path = Path(source)
    try:
        return path.read_bytes(), str(path)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read {what}: {exc.strerror or exc}") from exc


def _parse_certificates(data: bytes, label: str) -> list[x509.Certificate]:
    try:
        if _PEM_CERT in data:
            certs = x509.load_pem_x509_certificates(data)
        elif data.lstrip().startswith(b"-----BEGIN"):
            raise ConfigError(f"{label}: PEM data holds no CERTIFICATE block")
        else:
            certs = [x509.load_der_x509_certificate(data)]
    except ValueError as exc:
        if isinstance(exc, ConfigError):
            raise
        raise ConfigError(f"{label}: not a valid PEM or DER certificate: {exc}") from exc
    if not certs:
        raise ConfigError(f"{label}: no certificates found")
    return certs


def load_certificates(source: Source) -> list[x509.Certificate]:
    """Certificates from a PEM file path, PEM text, or PEM/DER bytes, in file order (a chain file
    holds the leaf first). Raises :class:`ConfigError` naming the file when nothing can be read."""
    data, label = _read(source, "certificates")
    return _parse_certificates(data, label)


def load_private_key(source: Source, password: bytes | str | None = None) -> PrivateKey:
    """A private key from a PEM/DER file path, PEM text or bytes (PKCS#8, PKCS#1, SEC1, OpenSSH
    PEM), optionally encrypted with ``password``."""
    data, label = _read(source, "private key")
    pw = password.encode() if isinstance(password, str) else password
    loaders: list[Any] = (
        [serialization.load_pem_private_key]
        if b"-----BEGIN" in data
        else [serialization.load_der_private_key]
    )
    try:
        return loaders[0](data, pw)  # type: ignore[no-any-return]
    except TypeError as exc:  # password given for a clear key, or missing for an encrypted one
        raise ConfigError(f"{label}: {exc}") from exc
    except ValueError as exc:
        hint = " (wrong password?)" if pw is not None else ""
        raise ConfigError(f"{label}: cannot load private key{hint}: {exc}") from exc
    except Exception as exc:  # unsupported algorithm and the like
        raise ConfigError(f"{label}: cannot load private key: {exc}") from exc


def load_peer_chain(chain_der: Sequence[bytes], who: str) -> list[x509.Certificate]:
    """Parse a peer's Certificate message chain (``who``: "server" or "client"); malformed DER is
    a ``bad_certificate`` naming the certificate's position. cryptography decodes names, keys and
    extensions lazily: validation maps what it finds malformed to ``bad_certificate`` too."""
    return _parse_chain(chain_der, f"{who} certificate")


def describe(certificate: x509.Certificate) -> str:
    """The subject as an RFC 4514 string (``CN=localhost,O=tls12 demo``), or a fingerprint."""
    subject = certificate.subject.rfc4514_string()
    if subject:
        return subject
    return f"<empty subject, sha256 {fingerprint_sha256(certificate)}>"


def _spki(key: Any) -> bytes:
    return key.public_bytes(  # type: ignore[no-any-return]
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def check_key_matches(key: PrivateKey, certificate: x509.Certificate, *, source: str = "") -> None:
    """Raise :class:`ConfigError` unless ``key`` is the private half of ``certificate``'s key.
    ``source`` (e.g. the key file name) prefixes the message."""
    if _spki(key.public_key()) != _spki(certificate.public_key()):
        prefix = source or "configuration"
        raise ConfigError(
            f"{prefix}: private key does not match certificate {describe(certificate)}"
        )


# --------------------------------------------------------------------------- fingerprints


def fingerprint_sha256(cert: bytes | x509.Certificate) -> str:
    """SHA-256 of the certificate's DER, as 64 lowercase hex digits without colons (compare
    ``openssl x509 -noout -fingerprint -sha256``, which prints it upper case with colons)."""
    der = cert if isinstance(cert, bytes) else cert.public_bytes(serialization.Encoding.DER)
    return hashlib.sha256(der).hexdigest()


_HEX_FP = re.compile(r"^(?:[0-9a-fA-F]{2}:){31}[0-9a-fA-F]{2}$|^[0-9a-fA-F]{64}$")


@dataclass(frozen=True)
class AllowList:
    """An explicit set of certificates, matched by the SHA-256 of their DER encoding."""

    fingerprints: frozenset[str] = frozenset()

    @classmethod
    def from_items(
        cls, items: Iterable[str | os.PathLike[str] | bytes | x509.Certificate]
    ) -> AllowList:
        """Build from certificate files (every certificate in the file is allowed), PEM/DER bytes,
        certificate objects, or SHA-256 fingerprints in hex (64 digits, colons optional, e.g. as
        printed by ``openssl x509 -fingerprint -sha256``, with or without its ``SHA256
        Fingerprint=`` prefix)."""
        found: set[str] = set()
        for item in items:
            if isinstance(item, x509.Certificate):
                found.add(fingerprint_sha256(item))
                continue
            if isinstance(item, str):
                text = item.strip()
                if "=" in text and text.lower().startswith(("sha256", "sha2-256")):
                    text = text.split("=", 1)[1].strip()
                if _HEX_FP.match(text):
                    found.add(text.replace(":", "").lower())
                    continue
                if not Path(item).exists() and not text.startswith("-----BEGIN"):
                    raise ConfigError(
                        f"allow-list item {item!r}: neither an existing certificate file nor a "
                        "SHA-256 fingerprint (64 hex digits, colons optional)"
                    )
            found.update(fingerprint_sha256(c) for c in load_certificates(item))
        return cls(frozenset(found))

    def contains(self, cert: bytes | x509.Certificate) -> bool:
        """Whether the certificate (DER bytes or object) is on the list."""
        return fingerprint_sha256(cert) in self.fingerprints

    __contains__ = contains

    def __len__(self) -> int:
        return len(self.fingerprints)


# --------------------------------------------------------------------------- trust store


@dataclass(frozen=True, eq=False)
class TrustStore:
    """Trust anchors (usually CA certificates; a leaf put here is trusted as itself).

    Immutable; duplicates (same DER) are dropped. The ``cryptography`` verification store is
    built once, on first use.
    """

    certificates: tuple[x509.Certificate, ...]
    description: str = "trust store"
    _store: list[xv.Store | None] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def from_certificates(
        cls, certificates: Iterable[x509.Certificate], *, description: str = "trust store"
    ) -> TrustStore:
        seen: set[str] = set()
        unique: list[x509.Certificate] = []
        for cert in certificates:
            fp = fingerprint_sha256(cert)
            if fp not in seen:
                seen.add(fp)
                unique.append(cert)
        return cls(tuple(unique), description)

    @classmethod
    def from_pem(cls, *sources: Source) -> TrustStore:
        """From PEM (or DER) files, PEM text/bytes, or directories (every file in the directory
        that holds certificates; other files are skipped). At least one certificate is required."""
        certs: list[x509.Certificate] = []
        labels: list[str] = []
        for source in sources:
            is_text = isinstance(source, str) and source.lstrip().startswith("-----")
            if not is_text and not isinstance(source, bytes) and Path(source).is_dir():
                certs += _load_directory(Path(source))
                labels.append(str(source))
                continue
            certs += load_certificates(source)
            labels.append(str(source) if not isinstance(source, bytes) else "bytes")
        if not certs:
            raise ConfigError(f"{', '.join(labels) or 'trust store'}: no CA certificates found")
        return cls.from_certificates(certs, description=", ".join(labels))

    @classmethod
    def system(cls) -> TrustStore:
        """The operating system's CA bundle: the cafile and capath of
        :func:`ssl.get_default_verify_paths` (which honours ``SSL_CERT_FILE`` / ``SSL_CERT_DIR``).
        Unparseable entries are skipped."""
        paths = ssl.get_default_verify_paths()
        certs: list[x509.Certificate] = []
        used: list[str] = []
        with warnings.catch_warnings():  # some roots have e.g. negative serials
            warnings.simplefilter("ignore")
            if paths.cafile and os.path.isfile(paths.cafile):
                certs += _lenient_pem(Path(paths.cafile).read_bytes())
                used.append(paths.cafile)
            if paths.capath and os.path.isdir(paths.capath):
                certs += _load_directory(Path(paths.capath), hashed_only=True)
                used.append(paths.capath)
        if not certs:
            raise ConfigError(
                "system trust store: no CA certificates found "
                f"(cafile={paths.cafile!r}, capath={paths.capath!r}); pass a CA file instead"
            )
        return cls.from_certificates(certs, description="system: " + ", ".join(used))

    @property
    def store(self) -> xv.Store | None:
        """The ``cryptography`` Store of these anchors (None when there are none)."""
        if not self._store:
            self._store.append(xv.Store(list(self.certificates)) if self.certificates else None)
        return self._store[0]

    def subject_names_der(self) -> list[bytes]:
        """DER of each anchor's subject Name, without duplicates, in order: the
        ``certificate_authorities`` of a CertificateRequest (RFC 5246 §7.4.4)."""
        names: list[bytes] = []
        for cert in self.certificates:
            der = cert.subject.public_bytes()
            if der not in names:
                names.append(der)
        return names

    def __len__(self) -> int:
        return len(self.certificates)


_HASHED_NAME = re.compile(r"^[0-9a-f]{8}\.\d+$")


def _lenient_pem(data: bytes) -> list[x509.Certificate]:
    """Every parseable certificate in a PEM bundle, skipping broken blocks."""
    try:
        return x509.load_pem_x509_certificates(data)
    except ValueError:
        pass
    certs = []
    for block in re.findall(
        rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", data, re.DOTALL
    ):
        try:
            certs.append(x509.load_pem_x509_certificate(block))
        except ValueError:
            continue
    return certs


def _load_directory(directory: Path, *, hashed_only: bool = False) -> list[x509.Certificate]:
    """Certificates from the files of a directory; ``hashed_only`` reads only OpenSSL c_rehash
    names (``5ad8a5d6.0``), as OpenSSL's capath lookup does."""
    certs: list[x509.Certificate] = []
    for path in sorted(directory.iterdir()):
        if hashed_only and not _HASHED_NAME.match(path.name):
            continue
        if not path.is_file():
            continue
        try:
            data = path.read_bytes()
        except OSError:
            continue
        if _PEM_CERT in data:
            certs += _lenient_pem(data)
    return certs


# --------------------------------------------------------------------------- policies

_SAN_OPTIONAL = (x509.SubjectAlternativeName, xv.Criticality.AGNOSTIC, None)


def _leaf_eku(required: x509.ObjectIdentifier) -> Any:
    def check(policy: Any, cert: x509.Certificate, ext: x509.ExtendedKeyUsage | None) -> None:
        if ext is not None and required not in ext:
            raise ValueError("required EKU not found")

    return check


def _ca_eku(required: x509.ObjectIdentifier) -> Any:
    def check(policy: Any, cert: x509.Certificate, ext: x509.ExtendedKeyUsage | None) -> None:
        if (
            ext is not None
            and required not in ext
            and (ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE not in ext)
        ):
            raise ValueError("required EKU not found")

    return check


# Client certificates: like the WebPKI end-entity profile but a subjectAltName is optional
# (client certificates made with openssl rarely carry one; identity is the chain or allow-list).
_CLIENT_EE = xv.ExtensionPolicy.webpki_defaults_ee().may_be_present(*_SAN_OPTIONAL)
_CLIENT_CA = xv.ExtensionPolicy.webpki_defaults_ca()
# Server chain without a host name check (explicit opt-out): cryptography's server verifier needs
# a subject, so the client verifier is used with its EKU checks switched to serverAuth.
_NONAME_EE = (
    xv.ExtensionPolicy.webpki_defaults_ee()
    .may_be_present(*_SAN_OPTIONAL)
    .may_be_present(
        x509.ExtendedKeyUsage, xv.Criticality.AGNOSTIC, _leaf_eku(ExtendedKeyUsageOID.SERVER_AUTH)
    )
)
_NONAME_CA = xv.ExtensionPolicy.webpki_defaults_ca().may_be_present(
    x509.ExtendedKeyUsage, xv.Criticality.AGNOSTIC, _ca_eku(ExtendedKeyUsageOID.SERVER_AUTH)
)


def _subject_for(server_name: str) -> xv.DNSName | xv.IPAddress:
    """An IP literal (``127.0.0.1``, ``::1``, ``[::1]``) is matched as an iPAddress SAN; anything
    else as a dNSName (case-insensitive, a trailing dot ignored)."""
    text = server_name.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    try:
        return xv.IPAddress(ipaddress.ip_address(text))
    except ValueError:
        pass
    try:
        return xv.DNSName(text.rstrip(".").lower())
    except ValueError as exc:
        raise ConfigError(f"server name {server_name!r} is not a valid DNS name: {exc}") from exc


def _utc(now: _dt.datetime | None) -> _dt.datetime:
    if now is None:
        return _dt.datetime.now(_dt.UTC)
    return now if now.tzinfo is not None else now.replace(tzinfo=_dt.UTC)


# --------------------------------------------------------------------------- verification


def _parse_chain(chain_der: Sequence[bytes], role: str) -> list[x509.Certificate]:
    chain: list[x509.Certificate] = []
    for index, der in enumerate(chain_der):
        try:
            # Names, keys and extensions are decoded lazily by cryptography; the verifier decodes
            # what it needs (its errors are mapped to alerts, see _verify).
            cert = x509.load_der_x509_certificate(bytes(der))
        except ValueError as exc:
            where = role if index == 0 else f"{role} chain entry #{index}"
            raise CertificateError(
                AlertDescription.bad_certificate,
                f"{where}: malformed DER ({len(der)} bytes): {exc}",
            ) from exc
        chain.append(cert)
    return chain


def _names(cert: x509.Certificate) -> str:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return "no subjectAltName"
    except ValueError:
        return "unparseable subjectAltName"
    parts = [f"DNS:{n}" for n in san.get_values_for_type(x509.DNSName)]
    parts += [f"IP:{a}" for a in san.get_values_for_type(x509.IPAddress)]
    return "subjectAltName " + (", ".join(parts) if parts else "has no DNS or IP names")


def _validity_problem(
    chain: Sequence[x509.Certificate], anchors: Sequence[x509.Certificate], now: _dt.datetime
) -> str | None:
    for index, cert in enumerate(list(chain) + list(anchors)):
        start, end = cert.not_valid_before_utc, cert.not_valid_after_utc
        if start <= now <= end:
            continue
        who = "" if index == 0 else f"issuer {describe(cert)} "
        if now > end:
            return f"{who}expired at {end:%Y-%m-%d %H:%M:%S} UTC (now {now:%Y-%m-%d %H:%M:%S})"
        return f"{who}not valid before {start:%Y-%m-%d %H:%M:%S} UTC (now {now:%Y-%m-%d %H:%M:%S})"
    return None


def _reason(exc: Exception) -> str:
    text = str(exc)
    text = re.sub(r"^validation failed: ", "", text)
    text = re.sub(r" \(encountered processing <Certificate.*\)>?\)$", "", text)
    text = text.replace("Python extension validator failed: ValueError: ", "")
    return text


def _map_error(
    exc: Exception,
    role: str,
    chain: Sequence[x509.Certificate],
    store_certs: Sequence[x509.Certificate],
    now: _dt.datetime,
    server_name: str | None,
    usage: str,
) -> CertificateError:
    """Turn a ``VerificationError`` into a CertificateError with the right alert."""
    leaf = chain[0]
    head = f"{role} {describe(leaf)}"
    reason = _reason(exc)
    if "not valid at validation time" in reason:
        issuers = [c for c in store_certs if c.subject == chain[-1].issuer]
        detail = _validity_problem(chain, issuers, now) or "outside its validity period"
        return CertificateError(AlertDescription.certificate_expired, f"{head}: {detail}")
    if "no matching subjectAltName" in reason:
        return CertificateError(
            AlertDescription.bad_certificate,
            f"{head}: host name {server_name!r} not in subjectAltName ({_names(leaf)})",
        )
    if "required EKU not found" in reason:
        return CertificateError(
            AlertDescription.unsupported_certificate,
            f"{head}: extendedKeyUsage does not allow {usage}",
        )
    if "signature does not match" in reason:
        return CertificateError(
            AlertDescription.bad_certificate,
            f"{head}: a signature on the chain does not verify "
            f"(issuer {leaf.issuer.rfc4514_string()})",
        )
    if "Forbidden public key algorithm" in reason or "Forbidden signature algorithm" in reason:
        # The WebPKI profile allows RSA (>= 2048 bits) and ECDSA P-256/384/521 signatures on
        # certificates; an Ed25519/Ed448-signed chain, for one, is refused by cryptography.
        algorithm = "Ed25519" if "Ed25519" in reason else "Ed448" if "Ed448" in reason else ""
        return CertificateError(
            AlertDescription.unsupported_certificate,
            f"{head}: the chain uses a key or signature algorithm {algorithm} that the WebPKI "
            f"profile of cryptography's verifier does not accept ({reason})".replace("  ", " "),
        )
    if reason.endswith(
        ("all candidates exhausted with no interior errors", "chain construction exceeds max depth")
    ):
        # "exceeds max depth": the path builder looped through untrusted issuers (for example a
        # chain that includes its own, untrusted, root) without reaching an anchor.
        if leaf.issuer == leaf.subject:
            detail = (
                "self-signed certificate is not trusted (add it to the trust store or pin "
                f"sha256 {fingerprint_sha256(leaf)})"
            )
        else:
            detail = f"no path to a trusted CA (issuer {leaf.issuer.rfc4514_string()} is unknown)"
        return CertificateError(AlertDescription.unknown_ca, f"{head}: {detail}")
    return CertificateError(AlertDescription.bad_certificate, f"{head}: {reason}")


def _verify(
    verifier: xv.ServerVerifier | xv.ClientVerifier,
    chain: list[x509.Certificate],
    **context: Any,
) -> list[x509.Certificate]:
    try:
        result = verifier.verify(chain[0], chain[1:])
    except xv.VerificationError as exc:
        try:
            error = _map_error(exc, chain=chain, **context)
        except ValueError as bad:  # a field cryptography decodes lazily is malformed
            error = CertificateError(
                AlertDescription.bad_certificate,
                f"{context.get('role', 'peer')} certificate chain: malformed certificate: {bad}",
            )
        raise error from exc
    return list(result.chain if isinstance(result, xv.VerifiedClient) else result)


def _server_verifier(
    store: xv.Store, server_name: str | None, now: _dt.datetime
) -> xv.ServerVerifier | xv.ClientVerifier:
    builder = xv.PolicyBuilder().store(store).time(now)
    if server_name is None:
        return builder.extension_policies(
            ca_policy=_NONAME_CA, ee_policy=_NONAME_EE
        ).build_client_verifier()
    return builder.build_server_verifier(_subject_for(server_name))


def verify_server_chain(
    chain_der: Sequence[bytes],
    trust: TrustStore | None,
    server_name: str | None,
    *,
    now: _dt.datetime | None = None,
    pinned: AllowList | None = None,
    check_hostname: bool = True,
) -> list[x509.Certificate]:
    """Validate a server's Certificate message (leaf first) and return the verified path, leaf
    first, ending at the trust anchor.

    Checks (by cryptography): a path to an anchor of ``trust``, signatures, validity at ``now``,
    serverAuth usage, and ``server_name`` (a DNS name, or an IP literal matched as iPAddress) in
    the leaf's subjectAltName. ``server_name=None`` is accepted only with ``check_hostname=False``.

    ``pinned``: a leaf whose SHA-256 fingerprint is listed is accepted as its own anchor (no CA
    needed), still checked for validity, serverAuth and host name. Pins add to ``trust``; to accept
    *only* pinned certificates pass ``trust=None``.

    Raises :class:`CertificateError` (alert and reason, see the module docstring).
    """
    role = "server certificate"
    if server_name is None and check_hostname:
        raise ConfigError(
            "verify_server_chain: server_name is None; pass check_hostname=False to skip the "
            "host name check deliberately"
        )
    name = server_name if check_hostname else None
    if not chain_der:
        raise CertificateError(
            AlertDescription.bad_certificate, "server sent an empty certificate chain"
        )
    chain = _parse_chain(chain_der, role)
    when = _utc(now)
    context: dict[str, Any] = {
        "role": role,
        "now": when,
        "server_name": name,
        "usage": "serverAuth",
    }
    if pinned is not None and pinned.contains(chain_der[0]):
        verifier = _server_verifier(xv.Store([chain[0]]), name, when)
        return _verify(verifier, chain[:1], store_certs=[chain[0]], **context)
    store = trust.store if trust is not None else None
    if store is None:
        leaf = chain[0]
        raise CertificateError(
            AlertDescription.unknown_ca,
            f"{role} {describe(leaf)}: not pinned (sha256 {fingerprint_sha256(leaf)}) and no "
            "trust anchors are configured",
        )
    assert trust is not None
    return _verify(
        _server_verifier(store, name, when), chain, store_certs=trust.certificates, **context
    )


def verify_client_chain(
    chain_der: Sequence[bytes],
    trust: TrustStore | None,
    *,
    allow_list: AllowList | None = None,
    now: _dt.datetime | None = None,
) -> list[x509.Certificate]:
    """Validate a client's Certificate message (leaf first); return the verified path.

    Without ``allow_list``: a path to an anchor of ``trust`` (the client CAs), validity at
    ``now``, clientAuth usage (a subjectAltName is not required).

    With ``allow_list``: the leaf's SHA-256 fingerprint must be listed, else ``access_denied``
    even when its CA is trusted. A listed leaf is first validated against ``trust`` (when given);
    if that finds no anchor it is validated as its own anchor, so a listed self-signed
    certificate works with no CA; validity and clientAuth usage are checked either way.

    An empty chain raises ``handshake_failure`` (RFC 5246 §7.4.6); the handshake decides first
    whether a certificate is required at all.
    """
    role = "client certificate"
    if not chain_der:
        raise CertificateError(
            AlertDescription.handshake_failure,
            "client sent no certificate but one is required",
        )
    if trust is None and allow_list is None:
        raise ConfigError(
            "verify_client_chain: give a client CA trust store, an allow-list, or both"
        )
    chain = _parse_chain(chain_der, role)
    when = _utc(now)
    context: dict[str, Any] = {
        "role": role,
        "now": when,
        "server_name": None,
        "usage": "clientAuth",
    }
    leaf = chain[0]
    if allow_list is not None and not allow_list.contains(chain_der[0]):
        raise CertificateError(
            AlertDescription.access_denied,
            f"{role} {describe(leaf)}: not on the allow-list (sha256 {fingerprint_sha256(leaf)})",
        )
    store = trust.store if trust is not None else None
    if store is not None:
        assert trust is not None
        try:
            return _verify(
                _client_verifier(store, when), chain, store_certs=trust.certificates, **context
            )
        except CertificateError as exc:
            if allow_list is None or exc.description != AlertDescription.unknown_ca:
                raise
    if allow_list is None:  # pragma: no cover - excluded by the ConfigError above
        raise AssertionError
    return _verify(_client_verifier(xv.Store([leaf]), when), [leaf], store_certs=[leaf], **context)


def _client_verifier(store: xv.Store, now: _dt.datetime) -> xv.ClientVerifier:
    return (
        xv.PolicyBuilder()
        .store(store)
        .time(now)
        .extension_policies(ca_policy=_CLIENT_CA, ee_policy=_CLIENT_EE)
        .build_client_verifier()
    )
