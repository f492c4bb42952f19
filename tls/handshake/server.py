"""The TLS 1.2 server handshake (RFC 5246 §7.3), one class per state.

Full handshake::

    ExpectClientHello → (send ServerHello … ServerHelloDone) → [ExpectClientCertificate] →
    ExpectClientKeyExchange → [ExpectCertificateVerify] → ExpectChangeCipherSpec →
    ExpectFinished → (cache the session; send [NewSessionTicket], ChangeCipherSpec, Finished) →
    Traffic

Abbreviated handshake (RFC 5246 §7.3 fig. 2), when the ClientHello's ticket (RFC 5077) or
session ID names a session this configuration may resume::

    ExpectClientHello → (send ServerHello, [NewSessionTicket], ChangeCipherSpec, Finished) →
    ExpectResumedChangeCipherSpec → ExpectResumedFinished → Traffic
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding

from records.extensions import (
    ALPNExtension,
    ECPointFormatsExtension,
    EncryptThenMacExtension,
    ExtendedMasterSecretExtension,
    RenegotiationInfoExtension,
    SessionTicketExtension,
)
from records.handshake import (
    Certificate,
    CertificateRequest,
    CertificateVerify,
    ClientHello,
    ClientKeyExchangeDHE,
    ClientKeyExchangeECDHE,
    ClientKeyExchangeRSA,
    Finished,
    NewSessionTicket,
    ServerHello,
    ServerHelloDone,
    ServerKeyExchangeDHE,
    ServerKeyExchangeECDHE,
)
from records.registry import (
    AlertDescription,
    CipherSuite,
    ClientCertificateType,
    ECCurveType,
    ECPointFormat,
    ExtensionType,
    HandshakeType,
    NamedGroup,
    ProtocolVersion,
)

from .. import signatures
from ..config import ClientAuth, Credentials, ServerConfig
from ..errors import CertificateError, TLSLocalAlert
from ..keyexchange import FFDHE_PRIMES, DheKeyPair, EcdheKeyPair, rsa_decrypt_pre_master_secret
from ..session import SESSION_ID_SIZE, SessionState, unix_now
from ..suites import BY_CODE, KeyExchange, SuiteInfo
from ..trust import load_peer_chain, verify_client_chain
from .common import (
    CCS,
    Context,
    State,
    check_finished,
    compute_master_secret,
    derive_protections,
    finished_verify_data,
    first_common,
    key_random,
    log_master_secret,
)
from .traffic import Traffic

TLS12 = ProtocolVersion.TLS1_2
_A = AlertDescription


@dataclass(frozen=True)
class Choice:
    """The server's pick for this connection."""

    suite: SuiteInfo
    credentials: Credentials
    group: int | None
    scheme: int | None


def choose(cfg: ServerConfig, hello: ClientHello) -> Choice:
    """Server preference order over what the client offers and our keys can serve."""
    exts: dict[int, Any] = {e.extension_type: e for e in hello.extensions or ()}
    groups_ext = exts.get(ExtensionType.supported_groups)
    client_groups = list(groups_ext.groups) if groups_ext is not None else None
    sig_ext = exts.get(ExtensionType.signature_algorithms)
    client_schemes = list(sig_ext.schemes) if sig_ext is not None else None
    offered = set(hello.cipher_suites)
    for suite in cfg.cipher_suites:
        if suite.code not in offered:
            continue
        creds = _credentials_for(cfg, suite, client_groups)
        if creds is None:
            continue
        group: int | None = None
        if suite.kex is KeyExchange.ECDHE:
            # RFC 8422 §4: no supported_groups means the client accepts any curve; take P-256.
            ec_groups = client_groups if client_groups is not None else [NamedGroup.secp256r1]
            group = first_common(cfg.groups, ec_groups)
            if group is None:
                continue
        elif suite.kex is KeyExchange.DHE:
            ff = [g for g in client_groups or () if g in FFDHE_PRIMES]
            # RFC 7919 §4: a client naming FFDHE groups gets one of them or no DHE at all.
            group = first_common(cfg.dhe_groups, ff) if ff else cfg.dhe_groups[0]
            if group is None:
                continue
        scheme: int | None = None
        if suite.kex is not KeyExchange.RSA:
            try:
                scheme = signatures.choose_scheme(
                    creds.private_key,
                    client_schemes,
                    cfg.signature_schemes,
                    rsa_pss_oid=creds.rsa_pss_oid,
                )
            except TLSLocalAlert:
                continue
        return Choice(suite, creds, group, scheme)
    ours = ":".join(s.openssl_name for s in cfg.cipher_suites)
    theirs = ":".join(_suite_name(c) for c in hello.cipher_suites)
    raise TLSLocalAlert(
        _A.handshake_failure,
        f"ClientHello: no shared cipher suite (client offers {theirs}; server accepts {ours})",
    )


def _credentials_for(
    cfg: ServerConfig, suite: SuiteInfo, client_groups: list[int] | None
) -> Credentials | None:
    """Our first credentials for the suite's authentication whose key the client can use.

    RFC 8422 §5.1 (and RFC 4492 §2.2): with ECDHE_ECDSA the certificate's key must be on a curve
    the client listed in supported_groups, when it sent the extension (OpenSSL refuses the
    handshake otherwise, "wrong curve"). EdDSA keys are not bound to supported_groups.
    """
    for creds in cfg.credentials:
        if creds.auth is not suite.auth:
            continue
        key = creds.private_key
        if client_groups is not None and isinstance(key, ec.EllipticCurvePrivateKey):
            curve = getattr(NamedGroup, key.curve.name, None)
            if curve not in client_groups:
                continue
        return creds
    return None


def _suite_name(code: int) -> str:
    info = BY_CODE.get(code)
    if info is not None:
        return info.openssl_name
    try:
        return CipherSuite(code).name
    except ValueError:
        return f"0x{code:04x}"


class ExpectClientHello(State):
    expects = (HandshakeType.client_hello,)

    def handle(self, ctx: Context, msg_type: int, raw: bytes) -> State:
        hello = ClientHello.parse(raw)
        ctx.trace("received", hello)
        cfg: ServerConfig = ctx.config
        info = ctx.info
        exts: dict[int, Any] = {e.extension_type: e for e in hello.extensions or ()}
        _check_version(hello, exts)
        if 0 not in hello.compression_methods:
            raise TLSLocalAlert(
                _A.illegal_parameter, "ClientHello: the null compression method is not offered"
            )
        reneg = exts.get(ExtensionType.renegotiation_info)
        if reneg is not None and reneg.renegotiated_connection != b"":
            raise TLSLocalAlert(
                _A.handshake_failure,
                "ClientHello: renegotiation_info must be empty on a first "
                "handshake (RFC 5746 §3.6)",
            )
        secure_reneg = reneg is not None or (
            CipherSuite.TLS_EMPTY_RENEGOTIATION_INFO_SCSV in hello.cipher_suites
        )
        sni = exts.get(ExtensionType.server_name)
        if sni is not None:
            info.server_name = sni.host_name
        if cfg.sni_callback is not None:
            replacement = cfg.sni_callback(info.server_name)
            if replacement is not None:
                ctx.config = cfg = replacement
        info.peer_cipher_suites = list(hello.cipher_suites)
        info.client_random = hello.random
        info.extended_master_secret = ExtensionType.extended_master_secret in exts
        found = find_session(cfg, hello, exts, info.server_name)
        if found is not None:
            return _resume(ctx, hello, exts, secure_reneg, *found)
        choice = choose(cfg, hello)
        info.version = TLS12
        info.suite = choice.suite
        info.group = choice.group
        info.server_signature_scheme = choice.scheme
        info.server_random = cfg.random(32)
        info.session_ticket = (
            cfg.session_tickets
            and cfg.ticket_keys is not None
            and ExtensionType.session_ticket in exts
        )
        # RFC 5077 §3.4: a server issuing a ticket SHOULD send an empty session ID (the session
        # then lives in the ticket only, not in the cache).
        caching = cfg.session_cache and cfg.sessions is not None and not info.session_ticket
        info.session_id = cfg.random(SESSION_ID_SIZE) if caching else b""
        reply = _reply_extensions(ctx, exts, choice.suite, secure_reneg)
        ctx.transcript.hash_name = choice.suite.prf_hash
        ctx.send_handshake(
            ServerHello(
                server_version=TLS12,
                random=info.server_random,
                session_id=info.session_id,
                cipher_suite=choice.suite.code,
                compression_method=0,
                extensions=reply or None,
            )
        )
        ctx.send_handshake(Certificate(certificate_list=list(choice.credentials.chain_der)))
        kex = _send_server_key_exchange(ctx, choice)
        if cfg.client_auth is not ClientAuth.NONE:
            ctx.send_handshake(_certificate_request(cfg))
        ctx.send_handshake(ServerHelloDone())
        if cfg.client_auth is not ClientAuth.NONE:
            return ExpectClientCertificate(choice, kex, hello.client_version)
        return ExpectClientKeyExchange(choice, kex, hello.client_version, None)


def _reply_extensions(
    ctx: Context, exts: dict[int, Any], suite: SuiteInfo, secure_reneg: bool
) -> list[Any]:
    """The ServerHello's extensions (full and abbreviated handshakes alike); negotiates
    encrypt-then-MAC and ALPN into ``ctx.info``."""
    cfg: ServerConfig = ctx.config
    info = ctx.info
    info.encrypt_then_mac = ExtensionType.encrypt_then_mac in exts and not suite.is_aead
    reply: list[Any] = []
    if secure_reneg:
        reply.append(RenegotiationInfoExtension(renegotiated_connection=b""))
    if info.extended_master_secret:
        reply.append(ExtendedMasterSecretExtension())
    if info.encrypt_then_mac:
        reply.append(EncryptThenMacExtension())
    if suite.kex is KeyExchange.ECDHE and ExtensionType.ec_point_formats in exts:
        reply.append(ECPointFormatsExtension(formats=[ECPointFormat.uncompressed]))
    if info.session_ticket:
        reply.append(SessionTicketExtension())
    alpn = exts.get(ExtensionType.application_layer_protocol_negotiation)
    if alpn is not None and cfg.alpn_protocols:
        proto = first_common(cfg.alpn_protocols, alpn.protocols)
        if proto is None:
            raise TLSLocalAlert(
                _A.no_application_protocol,
                f"ClientHello: no common ALPN protocol in {alpn.protocols!r}",
            )
        info.alpn_protocol = proto
        reply.append(ALPNExtension(protocols=[proto]))
    return reply


# ------------------------------------------------------------------------------ resumption


def find_session(
    cfg: ServerConfig, hello: ClientHello, exts: dict[int, Any], server_name: str | None
) -> tuple[SessionState, SuiteInfo, bool] | None:
    """The session the ClientHello asks to resume, its suite, and whether to issue a renewed
    ticket; None for a full handshake.

    A non-empty session_ticket is tried first (RFC 5077 §3.4; a ticket that does not open is
    not an error), then the session ID in the cache. The session must still fit: its suite
    offered and accepted, the same SNI (RFC 6066 §3), the client-certificate policy met, and
    extended master secret on both times (RFC 7627 §5.3)."""
    found: tuple[SessionState, bool] | None = None
    ticket_ext = exts.get(ExtensionType.session_ticket)
    if (
        ticket_ext is not None
        and ticket_ext.ticket
        and cfg.session_tickets
        and cfg.ticket_keys is not None
    ):
        found = cfg.ticket_keys.open(ticket_ext.ticket)
    if found is None and hello.session_id and cfg.session_cache and cfg.sessions is not None:
        now = unix_now(cfg.now)
        cached = cfg.sessions.get(hello.session_id, now)
        found = (cached, False) if cached is not None else None
    if found is None:
        return None
    state, renew = found
    if state.version != TLS12 or state.expired(unix_now(cfg.now), cfg.ticket_lifetime):
        return None
    suite = BY_CODE.get(state.cipher_suite)
    if suite is None or suite not in cfg.cipher_suites or suite.code not in hello.cipher_suites:
        return None
    if state.server_name != server_name:
        return None
    if cfg.client_auth is ClientAuth.REQUIRED and not state.client_chain:
        return None
    client_ems = ExtensionType.extended_master_secret in exts
    if state.extended_master_secret and not client_ems:
        raise TLSLocalAlert(
            _A.handshake_failure,
            "ClientHello: resumes a session that used extended_master_secret without offering "
            "the extension (RFC 7627 §5.3)",
        )
    if not state.extended_master_secret:
        # RFC 7627 §5.3: not resumed when the client now offers EMS; and when neither side
        # uses it, a full handshake rather than an insecure resumption.
        return None
    return state, suite, renew


def _resume(
    ctx: Context,
    hello: ClientHello,
    exts: dict[int, Any],
    secure_reneg: bool,
    state: SessionState,
    suite: SuiteInfo,
    renew: bool,
) -> State:
    """Send ServerHello, [NewSessionTicket], ChangeCipherSpec and Finished (RFC 5246 §7.3 fig.
    2). The ServerHello echoes the client's session ID (RFC 5077 §3.4 for tickets)."""
    cfg: ServerConfig = ctx.config
    info = ctx.info
    info.version = TLS12
    info.suite = suite
    info.resumed = True
    info.server_random = cfg.random(32)
    info.session_id = hello.session_id
    info.session_ticket = renew
    info.master_secret = state.master_secret
    if state.client_chain:
        info.peer_certificates = [x509.load_der_x509_certificate(d) for d in state.client_chain]
        info.client_certificate_sent = True
    reply = _reply_extensions(ctx, exts, suite, secure_reneg)
    ctx.transcript.hash_name = suite.prf_hash
    ctx.send_handshake(
        ServerHello(
            server_version=TLS12,
            random=info.server_random,
            session_id=hello.session_id,
            cipher_suite=suite.code,
            compression_method=0,
            extensions=reply or None,
        )
    )
    log_master_secret(ctx)
    client_prot, server_prot = derive_protections(
        ctx, suite, state.master_secret, info.encrypt_then_mac
    )
    if renew:  # the ticket was sealed under a key since rotated out of first place
        _send_ticket(ctx, state)
    ctx.send_change_cipher_spec(server_prot)
    ctx.send_handshake(Finished(verify_data=finished_verify_data(ctx, sender_is_client=False)))
    ctx.expect_change_cipher_spec(client_prot)
    return ExpectResumedChangeCipherSpec()


def _send_ticket(ctx: Context, state: SessionState) -> None:
    """RFC 5077 §3.3: NewSessionTicket, right before our ChangeCipherSpec."""
    cfg: ServerConfig = ctx.config
    assert cfg.ticket_keys is not None
    left = state.created + cfg.ticket_lifetime - unix_now(cfg.now)
    ticket = cfg.ticket_keys.seal(state, cfg.random)
    ctx.send_handshake(NewSessionTicket(ticket_lifetime_hint=max(left, 0), ticket=ticket))


def _new_session_state(ctx: Context) -> SessionState:
    info = ctx.info
    assert info.suite is not None
    return SessionState.new(
        version=TLS12,
        cipher_suite=info.suite.code,
        master_secret=info.master_secret,
        extended_master_secret=info.extended_master_secret,
        created=unix_now(ctx.config.now),
        server_name=info.server_name,
        alpn=info.alpn_protocol,
        client_chain=tuple(c.public_bytes(Encoding.DER) for c in info.peer_certificates),
    )


class ExpectResumedChangeCipherSpec(State):
    expects = (CCS,)

    def handle_ccs(self, ctx: Context) -> State:
        return ExpectResumedFinished()


class ExpectResumedFinished(State):
    """The client's Finished, which covers ours (abbreviated handshake)."""

    expects = (HandshakeType.finished,)

    def handle(self, ctx: Context, msg_type: int, raw: bytes) -> State:
        fin = Finished.parse(raw)
        ctx.trace("received", fin)
        check_finished(ctx, fin.verify_data, sender_is_client=True)
        ctx.handshake_done()
        return Traffic(is_client=False)


def _check_version(hello: ClientHello, exts: dict[int, Any]) -> None:
    versions = exts.get(ExtensionType.supported_versions)
    if versions is not None:
        if TLS12 not in versions.versions:
            raise TLSLocalAlert(
                _A.protocol_version, "ClientHello: supported_versions does not include TLS 1.2"
            )
        return
    if hello.client_version < TLS12:
        raise TLSLocalAlert(
            _A.protocol_version,
            f"ClientHello: client offers at most 0x{hello.client_version:04x}; "
            "tls12 speaks only TLS 1.2 (0x0303)",
        )


def _send_server_key_exchange(ctx: Context, choice: Choice) -> Any:
    info = ctx.info
    suite = choice.suite
    if suite.kex is KeyExchange.RSA:
        return None
    assert choice.scheme is not None and choice.group is not None
    kex: Any
    ske: ServerKeyExchangeECDHE | ServerKeyExchangeDHE
    if suite.kex is KeyExchange.ECDHE:
        kex = EcdheKeyPair.generate(NamedGroup(choice.group), key_random(ctx.config))
        ske = ServerKeyExchangeECDHE(
            curve_type=ECCurveType.named_curve,
            named_curve=choice.group,
            public=kex.public_bytes,
            signature_algorithm=choice.scheme,
            signature=b"",
        )
    else:
        kex = DheKeyPair.generate_server(NamedGroup(choice.group), key_random(ctx.config))
        ske = ServerKeyExchangeDHE(
            dh_p=_int_bytes(kex.p),
            dh_g=_int_bytes(kex.g),
            dh_ys=kex.public_bytes,
            signature_algorithm=choice.scheme,
            signature=b"",
        )
    signed = info.client_random + info.server_random + ske.params_bytes()
    creds = choice.credentials
    ske.signature = signatures.sign(
        creds.private_key, choice.scheme, signed, rsa_pss_oid=creds.rsa_pss_oid
    )
    ctx.send_handshake(ske)
    return kex


def _int_bytes(n: int) -> bytes:
    return n.to_bytes((n.bit_length() + 7) // 8, "big")


def _certificate_request(cfg: ServerConfig) -> CertificateRequest:
    names = cfg.client_trust.subject_names_der() if cfg.client_trust is not None else []
    return CertificateRequest(
        certificate_types=[ClientCertificateType.rsa_sign, ClientCertificateType.ecdsa_sign],
        supported_signature_algorithms=list(cfg.signature_schemes),
        certificate_authorities=list(names),
    )


@dataclass
class ExpectClientCertificate(State):
    choice: Choice
    kex: Any
    client_version: int
    expects = (HandshakeType.certificate,)

    def handle(self, ctx: Context, msg_type: int, raw: bytes) -> State:
        msg = Certificate.parse(raw)
        ctx.trace("received", msg)
        cfg: ServerConfig = ctx.config
        info = ctx.info
        if not msg.certificate_list:
            if cfg.client_auth is ClientAuth.REQUIRED:
                # RFC 5246 §7.4.6: a server requiring client authentication answers an empty
                # Certificate with a fatal handshake_failure alert.
                raise CertificateError(
                    _A.handshake_failure,
                    "Certificate: the client sent no certificate and this "
                    "server requires one (verify mode required)",
                )
            return ExpectClientKeyExchange(self.choice, self.kex, self.client_version, None)
        certs = load_peer_chain(msg.certificate_list, "client")
        now = cfg.now() if cfg.now is not None else None
        info.verified_chain = verify_client_chain(
            list(msg.certificate_list),
            cfg.client_trust,
            allow_list=cfg.client_allow_list,
            now=now,
        )
        info.peer_certificates = certs
        info.client_certificate_sent = True
        # CertificateVerify is checked with the certificate itself (its key, and whether that
        # key is RSASSA-PSS).
        return ExpectClientKeyExchange(self.choice, self.kex, self.client_version, certs[0])


@dataclass
class ExpectClientKeyExchange(State):
    choice: Choice
    kex: Any
    client_version: int
    client_cert: Any  # the client certificate (x509), None without client authentication
    expects = (HandshakeType.client_key_exchange,)

    def handle(self, ctx: Context, msg_type: int, raw: bytes) -> State:
        suite = self.choice.suite
        cfg = ctx.config
        if suite.kex is KeyExchange.RSA:
            cke_rsa = ClientKeyExchangeRSA.parse(raw)
            ctx.trace("received", cke_rsa)
            # RFC 5246 §7.4.7.1: never fails; a bad ciphertext yields a random secret and the
            # handshake goes on to fail at Finished, indistinguishably.
            pms = rsa_decrypt_pre_master_secret(
                self.choice.credentials.private_key,
                cke_rsa.encrypted_pre_master_secret,
                self.client_version,
                random=cfg.random,
            )
        elif suite.kex is KeyExchange.ECDHE:
            cke_ec = ClientKeyExchangeECDHE.parse(raw)
            ctx.trace("received", cke_ec)
            pms = self.kex.exchange(cke_ec.public)
        else:
            cke_dh = ClientKeyExchangeDHE.parse(raw)
            ctx.trace("received", cke_dh)
            pms = self.kex.exchange(cke_dh.dh_yc)
        ms = compute_master_secret(ctx, pms)
        client_prot, server_prot = derive_protections(ctx, suite, ms, ctx.info.encrypt_then_mac)
        if self.client_cert is not None:
            # CertificateVerify signs every message before it (RFC 5246 §7.4.8).
            return ExpectCertificateVerify(
                self.client_cert, client_prot, server_prot, ctx.transcript.messages()
            )
        ctx.expect_change_cipher_spec(client_prot)
        return ExpectChangeCipherSpec(server_prot)


@dataclass
class ExpectCertificateVerify(State):
    client_cert: Any  # the client certificate (x509), None without client authentication
    client_prot: Any
    server_prot: Any
    signed: bytes  # the transcript up to (not including) CertificateVerify
    expects = (HandshakeType.certificate_verify,)

    def handle(self, ctx: Context, msg_type: int, raw: bytes) -> State:
        cv = CertificateVerify.parse(raw)
        ctx.trace("received", cv)
        signatures.verify(
            self.client_cert,
            cv.signature_algorithm,
            self.signed,
            cv.signature,
            context="CertificateVerify",
            allowed=ctx.config.signature_schemes,
        )
        ctx.info.client_signature_scheme = cv.signature_algorithm
        ctx.expect_change_cipher_spec(self.client_prot)
        return ExpectChangeCipherSpec(self.server_prot)


@dataclass
class ExpectChangeCipherSpec(State):
    server_prot: Any
    expects = (CCS,)

    def handle_ccs(self, ctx: Context) -> State:
        return ExpectFinished(self.server_prot)


@dataclass
class ExpectFinished(State):
    server_prot: Any
    expects = (HandshakeType.finished,)

    def handle(self, ctx: Context, msg_type: int, raw: bytes) -> State:
        fin = Finished.parse(raw)
        ctx.trace("received", fin)
        check_finished(ctx, fin.verify_data, sender_is_client=True)
        cfg: ServerConfig = ctx.config
        info = ctx.info
        if info.session_id or info.session_ticket:
            state = _new_session_state(ctx)
            if info.session_id and cfg.sessions is not None:  # session_cache is on
                cfg.sessions.put(info.session_id, state)
            if info.session_ticket:
                _send_ticket(ctx, state)
        ctx.send_change_cipher_spec(self.server_prot)
        ctx.send_handshake(Finished(verify_data=finished_verify_data(ctx, sender_is_client=False)))
        ctx.handshake_done()
        return Traffic(is_client=False)
