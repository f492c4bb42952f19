"""A test PKI, built once per session (fixture ``pki`` in conftest.py), for every test author.

Usage in a test::

    def test_something(pki):
        pki.ca_path                        # ca.pem: the demo root CA (trust anchor, both sides)
        pki.trust                          # tls.trust.TrustStore of ca.pem
        pki.server_rsa.chain_path          # server-rsa-chain.pem (leaf + CA), for --cert
        pki.server_rsa.key_path            # server-rsa.key
        pki.server_rsa.chain_der           # list[bytes]: a Certificate message's certificate_list
        pki.server_rsa.cert, .key          # cryptography objects
        pki.client_selfsigned.fingerprint  # SHA-256 hex, for an allow-list

Each :class:`Identity` has ``name`` (file stem), ``cert``, ``key``, ``chain`` (leaf first),
``cert_path`` (leaf only), ``key_path``, ``chain_path``, and the properties ``der``,
``chain_der``, ``fingerprint``. Files live in ``pki.directory`` (a session tmp dir).

Identities (all ECDSA P-256 unless noted; "CA" is the demo root ``ca.pem``):

====================  ==========================================================================
server_rsa            demo PKI: RSA-2048, CN=localhost, SAN DNS:localhost + IP:127.0.0.1,
                      serverAuth, issued by CA (chain file: leaf + CA)
server_ecdsa          demo PKI: same with ECDSA P-256
client_rsa            demo PKI: RSA-2048 client, clientAuth, issued by CA (chain: leaf + CA)
client_ecdsa          demo PKI: ECDSA P-256 client
client_selfsigned     demo PKI: self-signed client (clientAuth), for the allow-list
server_intermediate   localhost server issued by ``pki.intermediate`` (itself issued by CA);
                      chain file = leaf + intermediate (the root is *not* sent)
server_expired        localhost server issued by CA, expired yesterday
server_not_yet_valid  localhost server issued by CA, valid from tomorrow
server_wrong_host     issued by CA, SAN DNS:wrong.example + IP:192.0.2.1 only
server_unknown_ca     localhost server issued by ``pki.other_ca`` (not in ca.pem)
server_selfsigned     self-signed localhost/127.0.0.1 server (CA:FALSE, serverAuth)
client_untrusted      client issued by ``pki.other_ca``
client_expired        client issued by CA, expired yesterday
====================  ==========================================================================

Also: ``pki.other_ca`` / ``pki.other_ca_path`` (other-ca.pem) and ``pki.intermediate`` /
``pki.intermediate_path`` (intermediate-ca.pem), ``pki.demo_paths`` (what
:func:`tls.pki.write_demo_pki` returned, keyed as :data:`tls.pki.DEMO_FILES`).

Only the two demo RSA keys are generated (RSA generation is slow); everything else is P-256.
Outside pytest, :func:`build_test_pki` builds the same thing into any directory.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from tls.pki import CertificateIssuerKey, make_ca, make_leaf, write_demo_pki, write_files
from tls.trust import TrustStore, fingerprint_sha256, load_certificates, load_private_key

__all__ = ["PKI", "Identity", "build_test_pki"]


@dataclass(frozen=True)
class Identity:
    """A certificate, its key, the chain a peer would send, and their files."""

    name: str
    cert: x509.Certificate
    key: CertificateIssuerKey
    chain: tuple[x509.Certificate, ...]
    cert_path: Path
    key_path: Path
    chain_path: Path
    _der: list[bytes] = field(default_factory=list, repr=False, compare=False)

    @property
    def chain_der(self) -> list[bytes]:
        """DER of each certificate in ``chain`` (leaf first): a Certificate message's list."""
        if not self._der:
            self._der.extend(c.public_bytes(Encoding.DER) for c in self.chain)
        return list(self._der)

    @property
    def der(self) -> bytes:
        return self.chain_der[0]

    @property
    def fingerprint(self) -> str:
        return fingerprint_sha256(self.cert)


@dataclass(frozen=True)
class PKI:
    directory: Path
    ca: x509.Certificate
    ca_key: CertificateIssuerKey
    ca_path: Path
    trust: TrustStore
    server_rsa: Identity
    server_ecdsa: Identity
    client_rsa: Identity
    client_ecdsa: Identity
    client_selfsigned: Identity
    intermediate: x509.Certificate
    intermediate_path: Path
    server_intermediate: Identity
    server_expired: Identity
    server_not_yet_valid: Identity
    server_wrong_host: Identity
    other_ca: x509.Certificate
    other_ca_path: Path
    server_unknown_ca: Identity
    server_selfsigned: Identity
    client_untrusted: Identity
    client_expired: Identity
    demo_paths: dict[str, Path]


def _from_files(directory: Path, stem: str) -> Identity:
    cert_path = directory / f"{stem}.pem"
    chain_path = directory / f"{stem}-chain.pem"
    if not chain_path.exists():
        chain_path = cert_path
    chain = tuple(load_certificates(chain_path))
    key = load_private_key(directory / f"{stem}.key")
    return Identity(stem, chain[0], key, chain, cert_path, directory / f"{stem}.key", chain_path)  # type: ignore[arg-type]


def _identity(
    directory: Path,
    stem: str,
    cert: x509.Certificate,
    key: CertificateIssuerKey,
    issuers: list[x509.Certificate],
) -> Identity:
    files = write_files(directory, stem, cert, key, chain=issuers)
    chain_path = files.get("chain", files["cert"])
    return Identity(stem, cert, key, (cert, *issuers), files["cert"], files["key"], chain_path)


def build_test_pki(directory: str | Path) -> PKI:
    """Write the demo PKI and the negative material into ``directory``; return a :class:`PKI`."""
    out = Path(directory)
    demo = write_demo_pki(out)
    ca = load_certificates(demo["ca"])[0]
    ca_key: CertificateIssuerKey = load_private_key(demo["ca_key"])  # type: ignore[assignment]
    now = dt.datetime.now(dt.UTC)
    day = dt.timedelta(days=1)
    local = {"dns_names": ["localhost"], "ip_addresses": ["127.0.0.1"]}

    def server(
        issuer: x509.Certificate, issuer_key: CertificateIssuerKey, stem: str, **kw: object
    ) -> Identity:
        options = {**local, **kw}
        cert, key = make_leaf(issuer, issuer_key, "localhost", server=True, **options)  # type: ignore[arg-type]
        return _identity(out, stem, cert, key, [issuer])

    inter, inter_key = make_ca("tls12 test intermediate CA", issuer_cert=ca, issuer_key=ca_key)
    (out / "intermediate-ca.pem").write_bytes(inter.public_bytes(Encoding.PEM))
    other, other_key = make_ca("tls12 test other CA")
    (out / "other-ca.pem").write_bytes(other.public_bytes(Encoding.PEM))
    selfsigned_cert, selfsigned_key = make_leaf(
        None, None, "localhost", server=True, dns_names=["localhost"], ip_addresses=["127.0.0.1"]
    )
    untrusted_cert, untrusted_key = make_leaf(
        other, other_key, "tls12 untrusted client", client=True
    )
    expired_client, expired_client_key = make_leaf(
        ca,
        ca_key,
        "tls12 expired client",
        client=True,
        not_before=now - 30 * day,
        not_after=now - day,
    )
    return PKI(
        directory=out,
        ca=ca,
        ca_key=ca_key,
        ca_path=demo["ca"],
        trust=TrustStore.from_pem(demo["ca"]),
        server_rsa=_from_files(out, "server-rsa"),
        server_ecdsa=_from_files(out, "server-ecdsa"),
        client_rsa=_from_files(out, "client-rsa"),
        client_ecdsa=_from_files(out, "client-ecdsa"),
        client_selfsigned=_from_files(out, "client-selfsigned"),
        intermediate=inter,
        intermediate_path=out / "intermediate-ca.pem",
        server_intermediate=server(inter, inter_key, "server-intermediate"),
        server_expired=server(
            ca, ca_key, "server-expired", not_before=now - 30 * day, not_after=now - day
        ),
        server_not_yet_valid=server(
            ca, ca_key, "server-not-yet-valid", not_before=now + day, not_after=now + 30 * day
        ),
        server_wrong_host=server(
            ca, ca_key, "server-wrong-host", dns_names=["wrong.example"], ip_addresses=["192.0.2.1"]
        ),
        other_ca=other,
        other_ca_path=out / "other-ca.pem",
        server_unknown_ca=server(other, other_key, "server-unknown-ca"),
        server_selfsigned=_identity(out, "server-selfsigned", selfsigned_cert, selfsigned_key, []),
        client_untrusted=_identity(out, "client-untrusted", untrusted_cert, untrusted_key, [other]),
        client_expired=_identity(out, "client-expired", expired_client, expired_client_key, [ca]),
        demo_paths=demo,
    )
