"""tls12 driven in memory: both sans-IO connections in one thread, bytes handed over directly."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from tls import ClientConfig, ServerConfig, TLSConnection
from tls.config import ClientAuth
from tls.events import ApplicationData
from tls.session import Session

from .scenarios import BenchPKI, Scenario, bench_pki

_SIGALGS = {"ecdsa": "ECDSA+SHA256", "rsa": "RSA-PSS+SHA256"}


def configs(sc: Scenario, pki: BenchPKI | None = None) -> tuple[ClientConfig, ServerConfig]:
    """The client and server configurations of a scenario (built once, outside the timing)."""
    pki = pki or bench_pki()
    client_id = sc.client_identity(pki)
    tickets = sc.resumed == "ticket"  # full handshakes issue no ticket (as ssl's OP_NO_TICKET)
    client = ClientConfig.create(
        server_name="localhost",
        trust=pki.trust,
        ciphers=sc.suite,
        groups=sc.groups,
        sigalgs=_SIGALGS[sc.auth],
        credentials=(client_id.credentials,) if client_id is not None else (),
        session_tickets=tickets,
    )
    server = ServerConfig.create(
        credentials=(sc.server_identity(pki).credentials,),
        ciphers=sc.suite,
        groups=sc.groups,
        sigalgs=_SIGALGS[sc.auth],
        verify=ClientAuth.REQUIRED if sc.mtls else ClientAuth.NONE,
        cafile=pki.ca_path if sc.mtls else None,
        session_tickets=tickets,
    )
    return client, server


def pump(client: TLSConnection, server: TLSConnection) -> None:
    """Move bytes both ways until neither side has anything to send."""
    while True:
        to_server = client.data_to_send()
        if to_server:
            server.receive_data(to_server)
        to_client = server.data_to_send()
        if to_client:
            client.receive_data(to_client)
        if not to_server and not to_client:
            return


def connect(
    client_cfg: ClientConfig, server_cfg: ServerConfig, session: Session | None = None
) -> tuple[TLSConnection, TLSConnection]:
    """One handshake (offering ``session`` when given); raises the first side's error if it
    failed."""
    client = TLSConnection(client_cfg, session=session)
    server = TLSConnection(server_cfg)
    pump(client, server)
    client.events()  # HandshakeComplete (raises the connection's error, if any)
    server.events()
    if not (client.handshake_complete and server.handshake_complete):
        raise RuntimeError(
            f"handshake stalled: client {client.state_name}, server {server.state_name}"
        )
    return client, server


def handshake(sc: Scenario) -> Callable[[], tuple[TLSConnection, TLSConnection]]:
    client_cfg, server_cfg = configs(sc)
    if sc.resumed:
        return resumed(sc, client_cfg, server_cfg)

    def run() -> tuple[TLSConnection, TLSConnection]:
        return connect(client_cfg, server_cfg)

    return run


def resumed(
    sc: Scenario, client_cfg: ClientConfig, server_cfg: ServerConfig
) -> Callable[[], tuple[TLSConnection, TLSConnection]]:
    """One full handshake now (the session); each call is then one abbreviated handshake."""
    session = connect(client_cfg, server_cfg)[0].session
    assert session is not None
    assert bool(session.ticket) is (sc.resumed == "ticket")
    assert bool(session.session_id) is (sc.resumed == "session_id")

    def run() -> tuple[TLSConnection, TLSConnection]:
        client, server = connect(client_cfg, server_cfg, session)
        if not client.info.resumed:
            raise RuntimeError(f"{sc.name}: the server did not resume the session")
        return client, server

    return run


@dataclass
class Transfer:
    """A connected pair; each :meth:`round` makes ``writes`` client writes of ``write_size``
    bytes and has the server read them all."""

    sc: Scenario
    writes: int
    keep: bool = False  # keep what the server received (for the smoke test)
    received: list[bytes] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.client, self.server = connect(*configs(self.sc))
        self.payload = bytes(range(256)) * (self.sc.write_size // 256) or bytes(
            range(self.sc.write_size)
        )

    def round(self) -> int:
        client, server, payload = self.client, self.server, self.payload
        for _ in range(self.writes):
            client.send(payload)
        server.receive_data(client.data_to_send())
        total = 0
        keep = self.keep
        for event in server.events():
            if isinstance(event, ApplicationData):
                total += len(event.data)
                if keep:
                    self.received.append(event.data)
        return total


def transfer(sc: Scenario, writes: int, *, keep: bool = False) -> Transfer:
    return Transfer(sc, writes, keep)
