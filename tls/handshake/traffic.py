"""After the handshake: application data flows; renegotiation is refused."""

from __future__ import annotations

from dataclasses import dataclass

from records.registry import AlertDescription, HandshakeType

from ..errors import TLSLocalAlert
from .common import Context, State


@dataclass
class Traffic(State):
    """Handshake done. A HelloRequest (to a client) or a ClientHello (to a server) asks for
    renegotiation, which tls12 refuses with a no_renegotiation warning (RFC 5246 §7.2.2,
    RFC 5746 §4.2); the connection goes on."""

    is_client: bool
    expects = (HandshakeType.hello_request, HandshakeType.client_hello)

    def handle(self, ctx: Context, msg_type: int, raw: bytes) -> State:
        wanted = HandshakeType.hello_request if self.is_client else HandshakeType.client_hello
        if msg_type != wanted:
            raise TLSLocalAlert(
                AlertDescription.unexpected_message,
                f"{HandshakeType(msg_type).name} after the handshake",
            )
        ctx.refuse_renegotiation()  # type: ignore[attr-defined]
        return self
