"""An in-memory client/server pair (after h11's ConnectionPair) and a small test PKI."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from cryptography import x509

from tls import ClientConfig, ServerConfig, TLSConnection
from tls.config import Credentials
from tls.events import Event
from tls.pki import make_ca, make_leaf
from tls.trust import TrustStore


@dataclass(frozen=True)
class MiniPKI:
    ca: x509.Certificate
    trust: TrustStore
    server_rsa: Credentials
    server_ecdsa: Credentials
    client_rsa: Credentials
    client_ecdsa: Credentials
    client_selfsigned: Credentials
    other_ca_client: Credentials


@cache
def mini_pki() -> MiniPKI:
    ca, ca_key = make_ca("tls12 test root", "p256")
    other, other_key = make_ca("tls12 other root", "p256")

    def leaf(key_type: str, name: str, **kw: object) -> Credentials:
        cert, key = make_leaf(ca, ca_key, name, key_type=key_type, **kw)  # type: ignore[arg-type]
        return Credentials((cert, ca), key)

    server_kw = {"server": True, "dns_names": ["localhost"], "ip_addresses": ["127.0.0.1"]}
    self_cert, self_key = make_leaf(None, None, "self-signed client", client=True)
    o_cert, o_key = make_leaf(other, other_key, "other client", client=True)
    return MiniPKI(
        ca=ca,
        trust=TrustStore.from_certificates([ca]),
        server_rsa=leaf("rsa2048", "localhost", **server_kw),
        server_ecdsa=leaf("p256", "localhost", **server_kw),
        client_rsa=leaf("rsa2048", "rsa client", client=True),
        client_ecdsa=leaf("p256", "ecdsa client", client=True),
        client_selfsigned=Credentials((self_cert,), self_key),
        other_ca_client=Credentials((o_cert, other), o_key),
    )


def client_config(**kw: object) -> ClientConfig:
    pki = mini_pki()
    kw.setdefault("server_name", "localhost")
    kw.setdefault("trust", pki.trust)
    return ClientConfig(**kw)  # type: ignore[arg-type]


def server_config(**kw: object) -> ServerConfig:
    pki = mini_pki()
    kw.setdefault("credentials", (pki.server_ecdsa, pki.server_rsa))
    return ServerConfig(**kw)  # type: ignore[arg-type]


Splitter = Callable[[bytes], list[bytes]]


def whole(data: bytes) -> list[bytes]:
    return [data] if data else []


def byte_by_byte(data: bytes) -> list[bytes]:
    return [data[i : i + 1] for i in range(len(data))]


class Pair:
    """Shuttles bytes between a client and a server connection until both are quiet."""

    def __init__(self, client: ClientConfig, server: ServerConfig) -> None:
        self.client = TLSConnection(client)
        self.server = TLSConnection(server)
        self.client_events: list[Event] = []
        self.server_events: list[Event] = []

    def pump(self, split: Splitter = whole, rounds: int = 20) -> None:
        """Move bytes both ways; errors stay inside the connections (see ``.error``)."""
        for _ in range(rounds):
            to_server = self.client.data_to_send()
            to_client = self.server.data_to_send()
            if not to_server and not to_client:
                return
            for chunk in split(to_server):
                if self.server.error is None:
                    self.server.receive_data(chunk)
            for chunk in split(to_client):
                if self.client.error is None:
                    self.client.receive_data(chunk)
            self._collect()
        raise AssertionError("pair did not settle")

    def _collect(self) -> None:
        for conn, sink in ((self.client, self.client_events), (self.server, self.server_events)):
            while conn._events:
                sink.append(conn._events.popleft())

    def handshake(self, split: Splitter = whole) -> Pair:
        self.pump(split)
        if self.client.error is not None:
            raise self.client.error
        if self.server.error is not None:
            raise self.server.error
        assert self.client.handshake_complete and self.server.handshake_complete
        return self


def fixed_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
