"""The TLS 1.2 client handshake (RFC 5246 §7.3), one class per state.

Full handshake::

    ExpectServerHello → ExpectCertificate → [ExpectServerKeyExchange] →
    ExpectCertificateRequestOrDone → [ExpectServerHelloDone] → (send flight) →
    [ExpectNewSessionTicket] → ExpectChangeCipherSpec → ExpectFinished → Traffic

Abbreviated handshake (RFC 5246 §7.3 fig. 2; the ServerHello echoes the session ID we offered)::

    ExpectServerHello → [ExpectNewSessionTicket] → ExpectChangeCipherSpec → ExpectFinished →
    (send ChangeCipherSpec, Finished) → Traffic

ExpectNewSessionTicket comes exactly when the ServerHello carried the session_ticket extension
(RFC 5077 §3.3: the server then MUST send the message, with an empty ticket if it changed its
mind).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa

from records.extensions import (
    ALPNExtension,
    ECPointFormatsExtension,
    EncryptThenMacExtension,
    ExtendedMasterSecretExtension,
    RenegotiationInfoExtension,
    ServerNameExtension,
    SessionTicketExtension,
    SignatureAlgorithmsExtension,
    SupportedGroupsExtension,
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
    ClientCertificateType,
    ECPointFormat,
    ExtensionType,
    HandshakeType,
    NamedGroup,
    ProtocolVersion,
    name_of,
)

from .. import signatures
from ..errors import TLSLocalAlert
from ..keyexchange import DheKeyPair, EcdheKeyPair, rsa_encrypt_pre_master_secret
from ..protection import RecordProtection
from ..session import SESSION_ID_SIZE, Session, unix_now
from ..suites import BY_CODE, Auth, KeyExchange, SuiteInfo
from ..trust import load_peer_chain, verify_server_chain
from .common import (
    CCS,
    Context,
    State,
    check_finished,
    compute_master_secret,
    derive_protections,
    finished_verify_data,
    key_random,
    log_master_secret,
)
from .traffic import Traffic

TLS12 = ProtocolVersion.TLS1_2
_A = AlertDescription


def _is_ip(name: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def offerable(cfg: Any, session: Session | None, now: int) -> bool:
    """Whether ``session`` may be offered with ``cfg``: same server name, a suite we still offer,
    the same extended-master-secret choice (RFC 7627 §5.3: the server must refuse or abort
    otherwise), something to resume by, and a ticket not past its lifetime hint."""
    if session is None or session.server_name != cfg.server_name:
        return False
    if session.suite not in cfg.cipher_suites:
        return False
    if session.extended_master_secret != cfg.offer_extended_master_secret:
        return False
    if not (session.session_id or (session.ticket and cfg.session_tickets)):
        return False
    return not session.expired(now)


def client_hello(ctx: Context, session: Session | None = None) -> ExpectServerHello:
    """Build and send the ClientHello (offering ``session`` when it fits); return the first
    state."""
    cfg = ctx.config
    info = ctx.info
    info.client_random = cfg.random(32)
    offer = session if session is not None and offerable(cfg, session, unix_now(cfg.now)) else None
    session_id = b""
    if offer is not None:
        session_id = offer.session_id
        if not session_id:
            # RFC 5077 §3.4: a client offering a ticket may send a session ID of its own; the
            # server echoes it when it accepts the ticket, which is how we tell.
            session_id = cfg.random(SESSION_ID_SIZE)
    suites = [s.code for s in cfg.cipher_suites]
    exts: list[Any] = []
    if cfg.server_name and not _is_ip(cfg.server_name):
        exts.append(ServerNameExtension.for_host(cfg.server_name))
    ecc = any(s.kex is KeyExchange.ECDHE for s in cfg.cipher_suites)
    if cfg.groups:
        exts.append(SupportedGroupsExtension(groups=list(cfg.groups)))
    if ecc:
        exts.append(ECPointFormatsExtension(formats=[ECPointFormat.uncompressed]))
    exts.append(SignatureAlgorithmsExtension(schemes=list(cfg.signature_schemes)))
    if cfg.alpn_protocols:
        exts.append(ALPNExtension(protocols=list(cfg.alpn_protocols)))
    if cfg.offer_encrypt_then_mac and any(not s.is_aead for s in cfg.cipher_suites):
        exts.append(EncryptThenMacExtension())
    if cfg.session_tickets:
        ticket = offer.ticket if offer is not None else b""
        exts.append(SessionTicketExtension(ticket=ticket))
    if cfg.offer_extended_master_secret:
        exts.append(ExtendedMasterSecretExtension())
    exts.append(RenegotiationInfoExtension(renegotiated_connection=b""))
    hello = ClientHello(
        client_version=TLS12,
        random=info.client_random,
        session_id=session_id,
        cipher_suites=suites,
        compression_methods=[0],
        extensions=exts,
    )
    ctx.send_handshake(hello)
    return ExpectServerHello(hello, offer)


@dataclass
class Resumption:
    """An abbreviated handshake under way: the session resumed and our write protection, used
    once the server's Finished is checked."""

    session: Session
    client_prot: RecordProtection


@dataclass
class ExpectServerHello(State):
    hello: ClientHello
    offered: Session | None  # the session offered in the ClientHello
    expects = (HandshakeType.server_hello,)

    def handle(self, ctx: Context, msg_type: int, raw: bytes) -> State:
        sh = ServerHello.parse(raw)
        ctx.trace("received", sh)
        info = ctx.info
        if sh.server_version != TLS12:
            raise TLSLocalAlert(
                _A.protocol_version,
                f"ServerHello: server chose version 0x{sh.server_version:04x}, "
                "tls12 speaks only TLS 1.2 (0x0303)",
            )
        suite = BY_CODE.get(sh.cipher_suite)
        if suite is None or suite.code not in self.hello.cipher_suites:
            raise TLSLocalAlert(
                _A.illegal_parameter,
                f"ServerHello: cipher suite 0x{sh.cipher_suite:04x} was not offered",
            )
        if sh.compression_method != 0:
            raise TLSLocalAlert(
                _A.illegal_parameter,
                f"ServerHello: compression method {sh.compression_method} was not offered",
            )
        offered = {e.extension_type for e in self.hello.extensions or ()}
        seen = _check_server_extensions(sh, offered, suite, self.hello)
        info.version = TLS12
        info.suite = suite
        info.server_random = sh.random
        info.session_id = sh.session_id
        info.extended_master_secret = ExtensionType.extended_master_secret in seen
        info.encrypt_then_mac = ExtensionType.encrypt_then_mac in seen
        info.session_ticket = ExtensionType.session_ticket in seen
        alpn = seen.get(ExtensionType.application_layer_protocol_negotiation)
        info.alpn_protocol = alpn.protocols[0] if alpn is not None else None
        ctx.transcript.hash_name = suite.prf_hash
        if sh.session_id and sh.session_id == self.hello.session_id:
            return _resume(ctx, self.offered, suite)
        return ExpectCertificate(suite)


def _resume(ctx: Context, offered: Session | None, suite: SuiteInfo) -> State:
    """The ServerHello echoed our session ID: the abbreviated handshake of RFC 5246 §7.3."""
    info = ctx.info
    if offered is None:  # cannot happen: without a session we send an empty session ID
        raise TLSLocalAlert(
            _A.illegal_parameter, "ServerHello: resumes a session that was not offered"
        )
    if suite is not offered.suite:
        raise TLSLocalAlert(
            _A.illegal_parameter,
            f"ServerHello: resumes the session with cipher suite {suite.name}; "
            f"the session's is {offered.suite.name}",
        )
    if info.extended_master_secret != offered.extended_master_secret:
        # RFC 7627 §5.3: the client MUST abort when the resumed session's extended master
        # secret use and the ServerHello's disagree.
        raise TLSLocalAlert(
            _A.handshake_failure,
            "ServerHello: extended_master_secret "
            f"{'absent' if offered.extended_master_secret else 'present'} when resuming a "
            f"session established {'with' if offered.extended_master_secret else 'without'} it "
            "(RFC 7627 §5.3)",
        )
    info.resumed = True
    info.master_secret = offered.master_secret
    info.peer_certificates = list(offered.peer_certificates)
    info.verified_chain = list(offered.verified_chain)
    log_master_secret(ctx)
    client_prot, server_prot = derive_protections(
        ctx, suite, offered.master_secret, info.encrypt_then_mac
    )
    ctx.expect_change_cipher_spec(server_prot)
    resumption = Resumption(offered, client_prot)
    if info.session_ticket:
        return ExpectNewSessionTicket(resumption)
    return ExpectChangeCipherSpec(None, resumption)


def _check_server_extensions(
    sh: ServerHello, offered: set[int], suite: SuiteInfo, hello: ClientHello
) -> dict[int, Any]:
    seen: dict[int, Any] = {}
    for ext in sh.extensions or ():
        t = ext.extension_type
        if t not in offered:
            raise TLSLocalAlert(
                _A.unsupported_extension,
                f"ServerHello: extension {name_of(ExtensionType, t)} was not offered",
            )
        seen[t] = ext
    reneg = seen.get(ExtensionType.renegotiation_info)
    if reneg is not None and reneg.renegotiated_connection != b"":
        raise TLSLocalAlert(
            _A.handshake_failure,
            "ServerHello: renegotiation_info must be empty on a first handshake",
        )
    if ExtensionType.encrypt_then_mac in seen and suite.is_aead:
        raise TLSLocalAlert(
            _A.illegal_parameter, f"ServerHello: encrypt_then_mac with AEAD suite {suite.name}"
        )
    pf = seen.get(ExtensionType.ec_point_formats)
    if pf is not None and ECPointFormat.uncompressed not in pf.formats:
        raise TLSLocalAlert(
            _A.illegal_parameter, "ServerHello: ec_point_formats lacks the uncompressed format"
        )
    alpn = seen.get(ExtensionType.application_layer_protocol_negotiation)
    if alpn is not None:
        ours = next(e for e in hello.extensions or () if isinstance(e, ALPNExtension))
        if len(alpn.protocols) != 1 or alpn.protocols[0] not in ours.protocols:
            raise TLSLocalAlert(
                _A.illegal_parameter, f"ServerHello: ALPN {alpn.protocols!r} was not offered"
            )
    return seen


def _auth_of(key: Any) -> Auth | None:
    if isinstance(key, rsa.RSAPublicKey):
        return Auth.RSA
    if isinstance(key, ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
        return Auth.ECDSA
    return None


@dataclass
class ExpectCertificate(State):
    suite: SuiteInfo
    expects = (HandshakeType.certificate,)

    def handle(self, ctx: Context, msg_type: int, raw: bytes) -> State:
        msg = Certificate.parse(raw)
        ctx.trace("received", msg)
        cfg = ctx.config
        info = ctx.info
        if not msg.certificate_list:
            raise TLSLocalAlert(_A.decode_error, "Certificate: the server sent no certificate")
        certs = load_peer_chain(msg.certificate_list, "server")
        info.peer_certificates = certs
        if not cfg.insecure_skip_verify:
            now = cfg.now() if cfg.now is not None else None
            info.verified_chain = verify_server_chain(
                list(msg.certificate_list),
                cfg.trust,
                cfg.server_name,
                now=now,
                pinned=cfg.pinned,
                check_hostname=cfg.check_hostname,
            )
        key = certs[0].public_key()
        if _auth_of(key) is not self.suite.auth:
            raise TLSLocalAlert(
                _A.unsupported_certificate,
                f"Certificate: {type(key).__name__} server key cannot serve {self.suite.name}",
            )
        if self.suite.kex is KeyExchange.RSA:
            return ExpectCertificateRequestOrDone(self.suite, key, None)
        return ExpectServerKeyExchange(self.suite, key, signatures.uses_rsa_pss_oid(certs[0]))


@dataclass
class ExpectServerKeyExchange(State):
    suite: SuiteInfo
    server_key: Any
    rsa_pss_oid: bool  # the certificate's key is RSASSA-PSS (rsa_pss_pss_* schemes)
    expects = (HandshakeType.server_key_exchange,)

    def handle(self, ctx: Context, msg_type: int, raw: bytes) -> State:
        cfg = ctx.config
        info = ctx.info
        ske: ServerKeyExchangeECDHE | ServerKeyExchangeDHE
        kex: EcdheKeyPair | DheKeyPair
        if self.suite.kex is KeyExchange.ECDHE:
            ske = ServerKeyExchangeECDHE.parse(raw)
            ctx.trace("received", ske)
            if ske.named_curve not in cfg.groups:
                raise TLSLocalAlert(
                    _A.illegal_parameter,
                    f"ServerKeyExchange: curve {name_of(NamedGroup, ske.named_curve)} "
                    "was not offered",
                )
            kex = EcdheKeyPair.generate(NamedGroup(ske.named_curve), key_random(cfg))
            peer = ske.public
            info.group = ske.named_curve
        else:
            ske = ServerKeyExchangeDHE.parse(raw)
            ctx.trace("received", ske)
            kex = DheKeyPair.generate_client(
                int.from_bytes(ske.dh_p, "big"),
                int.from_bytes(ske.dh_g, "big"),
                ske.dh_ys,
                random=key_random(cfg),
            )
            peer = ske.dh_ys
            info.group = kex.group
        signed = info.client_random + info.server_random + ske.params_bytes()
        signatures.verify(
            self.server_key,
            ske.signature_algorithm,
            signed,
            ske.signature,
            context="ServerKeyExchange",
            allowed=cfg.signature_schemes,
            rsa_pss_oid=self.rsa_pss_oid,
        )
        info.server_signature_scheme = ske.signature_algorithm
        pms = kex.exchange(peer)
        return ExpectCertificateRequestOrDone(self.suite, self.server_key, (kex, pms))


@dataclass
class ExpectCertificateRequestOrDone(State):
    suite: SuiteInfo
    server_key: Any
    exchange: tuple[Any, bytes] | None  # (our key pair, pre-master secret) for ECDHE/DHE
    expects = (HandshakeType.certificate_request, HandshakeType.server_hello_done)

    def handle(self, ctx: Context, msg_type: int, raw: bytes) -> State:
        if msg_type == HandshakeType.certificate_request:
            req = CertificateRequest.parse(raw)
            ctx.trace("received", req)
            if not req.certificate_types:
                raise TLSLocalAlert(_A.decode_error, "CertificateRequest: no certificate types")
            ctx.info.requested_ca_names = list(req.certificate_authorities)
            return ExpectServerHelloDone(self.suite, self.server_key, self.exchange, req)
        done = ServerHelloDone.parse(raw)
        ctx.trace("received", done)
        return send_client_flight(ctx, self.suite, self.server_key, self.exchange, None)


@dataclass
class ExpectServerHelloDone(State):
    suite: SuiteInfo
    server_key: Any
    exchange: tuple[Any, bytes] | None
    request: CertificateRequest
    expects = (HandshakeType.server_hello_done,)

    def handle(self, ctx: Context, msg_type: int, raw: bytes) -> State:
        done = ServerHelloDone.parse(raw)
        ctx.trace("received", done)
        return send_client_flight(ctx, self.suite, self.server_key, self.exchange, self.request)


def _choose_credentials(ctx: Context, req: CertificateRequest) -> tuple[Any, int] | None:
    """The first configured certificate that fits the request (type, signature scheme), those
    issued under one of the named CAs first. None when nothing fits (we send an empty list)."""
    cfg = ctx.config
    types = set(req.certificate_types)
    fitting = []
    for creds in cfg.credentials:
        wanted = (
            ClientCertificateType.rsa_sign
            if creds.auth is Auth.RSA
            else ClientCertificateType.ecdsa_sign
        )
        if wanted not in types:
            continue
        try:
            scheme = signatures.choose_scheme(
                creds.private_key,
                list(req.supported_signature_algorithms),
                cfg.signature_schemes,
                rsa_pss_oid=signatures.uses_rsa_pss_oid(creds.leaf),
            )
        except TLSLocalAlert:
            continue
        fitting.append((creds, scheme))
    if not fitting:
        return None
    names = set(req.certificate_authorities)
    if names:
        for creds, scheme in fitting:
            if any(
                c.issuer.public_bytes() in names or c.subject.public_bytes() in names
                for c in creds.chain
            ):
                return creds, scheme
    return fitting[0]


def send_client_flight(
    ctx: Context,
    suite: SuiteInfo,
    server_key: Any,
    exchange: tuple[Any, bytes] | None,
    request: CertificateRequest | None,
) -> State:
    """Certificate?, ClientKeyExchange, CertificateVerify?, ChangeCipherSpec, Finished."""
    cfg = ctx.config
    info = ctx.info
    chosen = _choose_credentials(ctx, request) if request is not None else None
    if request is not None:
        chain = list(chosen[0].chain_der) if chosen else []
        ctx.send_handshake(Certificate(certificate_list=chain))
        info.client_certificate_sent = bool(chain)
    if suite.kex is KeyExchange.RSA:
        if not isinstance(server_key, rsa.RSAPublicKey):
            raise TLSLocalAlert(_A.unsupported_certificate, "RSA key exchange needs an RSA key")
        pms, encrypted = rsa_encrypt_pre_master_secret(server_key, TLS12, random=cfg.random)
        ctx.send_handshake(ClientKeyExchangeRSA(encrypted_pre_master_secret=encrypted))
    else:
        assert exchange is not None
        kex, pms = exchange
        if suite.kex is KeyExchange.ECDHE:
            ctx.send_handshake(ClientKeyExchangeECDHE(public=kex.public_bytes))
        else:
            ctx.send_handshake(ClientKeyExchangeDHE(dh_yc=kex.public_bytes))
    ms = compute_master_secret(ctx, pms)
    if chosen is not None:
        creds, scheme = chosen
        signature = signatures.sign(
            creds.private_key,
            scheme,
            ctx.transcript.messages(),
            rsa_pss_oid=signatures.uses_rsa_pss_oid(creds.leaf),
        )
        ctx.send_handshake(CertificateVerify(signature_algorithm=scheme, signature=signature))
        info.client_signature_scheme = scheme
    client_prot, server_prot = derive_protections(ctx, suite, ms, info.encrypt_then_mac)
    ctx.send_change_cipher_spec(client_prot)
    ctx.send_handshake(Finished(verify_data=finished_verify_data(ctx, sender_is_client=True)))
    ctx.expect_change_cipher_spec(server_prot)
    if info.session_ticket:
        return ExpectNewSessionTicket(None)
    return ExpectChangeCipherSpec(None, None)


@dataclass
class ExpectNewSessionTicket(State):
    """RFC 5077 §3.3: after the ServerHello's session_ticket extension, the ticket comes right
    before the server's ChangeCipherSpec."""

    resumption: Resumption | None
    expects = (HandshakeType.new_session_ticket,)

    def handle(self, ctx: Context, msg_type: int, raw: bytes) -> State:
        nst = NewSessionTicket.parse(raw)
        ctx.trace("received", nst)
        return ExpectChangeCipherSpec(nst, self.resumption)


@dataclass
class ExpectChangeCipherSpec(State):
    ticket: NewSessionTicket | None
    resumption: Resumption | None
    expects = (CCS,)

    def handle_ccs(self, ctx: Context) -> State:
        return ExpectFinished(self.ticket, self.resumption)


@dataclass
class ExpectFinished(State):
    ticket: NewSessionTicket | None
    resumption: Resumption | None
    expects = (HandshakeType.finished,)

    def handle(self, ctx: Context, msg_type: int, raw: bytes) -> State:
        fin = Finished.parse(raw)
        ctx.trace("received", fin)
        check_finished(ctx, fin.verify_data, sender_is_client=False)
        if self.resumption is not None:
            # Abbreviated handshake: our Finished covers the server's (RFC 5246 §7.3 fig. 2).
            ctx.send_change_cipher_spec(self.resumption.client_prot)
            ctx.send_handshake(
                Finished(verify_data=finished_verify_data(ctx, sender_is_client=True))
            )
        ctx.session = _session(ctx, self.ticket, self.resumption)
        ctx.handshake_done()
        return Traffic(is_client=True)


def _session(
    ctx: Context, ticket: NewSessionTicket | None, resumption: Resumption | None
) -> Session:
    """The connection's session: the resumed one (with a renewed ticket, if one came) or a new
    one from this full handshake."""
    now = unix_now(ctx.config.now)
    if resumption is not None:
        session = resumption.session
        if ticket is not None:
            session = dataclasses.replace(
                session,
                ticket=ticket.ticket,
                ticket_lifetime_hint=ticket.ticket_lifetime_hint,
                created=now,
            )
        return session
    info = ctx.info
    assert info.suite is not None
    return Session(
        session_id=info.session_id,
        ticket=ticket.ticket if ticket is not None else b"",
        ticket_lifetime_hint=ticket.ticket_lifetime_hint if ticket is not None else 0,
        master_secret=info.master_secret,
        suite=info.suite,
        extended_master_secret=info.extended_master_secret,
        server_name=ctx.config.server_name,
        peer_certificates=tuple(info.peer_certificates),
        verified_chain=tuple(info.verified_chain),
        alpn=info.alpn_protocol,
        created=now,
    )
