"""The sans-IO TLS 1.2 connection: bytes in, events and bytes out. No sockets, no threads.

    conn = TLSConnection(ClientConfig.create(server_name="example.com", cafile="ca.pem"))
    sock.sendall(conn.data_to_send())          # the ClientHello
    while not conn.handshake_complete:
        conn.receive_data(sock.recv(65536))
        for event in conn.events(): ...
        sock.sendall(conn.data_to_send())

The record layer lives here: framing, protection, the content-type rules of RFC 5246 §6, the
handshake reassembly, alerts and close_notify. The handshake logic lives in the state classes of
``tls.handshake``; this module only feeds them messages they declared they expect.

Errors: when the peer's input is bad, the fatal alert is queued in ``data_to_send()`` and the
error (a :class:`~tls.errors.TLSError`) is raised by :meth:`next_event` / :meth:`events` *after*
every event that came before it, so no data received before the error is lost. From then on every
call raises the same error.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from records.errors import DecodeError
from records.handshake import split_handshake
from records.record import (
    HEADER_SIZE,
    MAX_PLAINTEXT,
    Alert,
    build_header,
    is_sslv2_client_hello,
    parse_header,
)
from records.registry import (
    AlertDescription,
    AlertLevel,
    ContentType,
    HandshakeType,
    ProtocolVersion,
)

from . import keyschedule
from .config import ClientConfig, ServerConfig
from .errors import (
    ConfigError,
    TLSClosedError,
    TLSError,
    TLSLocalAlert,
    TLSRemoteAlert,
    TruncationError,
)
from .events import AlertReceived, ApplicationData, ConnectionClosed, Event, HandshakeComplete
from .handshake import client as client_hs
from .handshake import server as server_hs
from .handshake.common import CCS, ConnectionInfo, State, Transcript, expected_names
from .handshake.traffic import Traffic
from .protection import RecordProtection
from .session import Session

_A = AlertDescription
_CT = ContentType
TLS12 = int(ProtocolVersion.TLS1_2)


class TLSConnection:
    """One TLS 1.2 connection, client or server by the type of ``config``.

    ``session`` (client only): a :class:`~tls.session.Session` from an earlier connection's
    ``.session`` to offer for resumption; the server may decline (a full handshake follows).
    ``.session`` is this connection's session once the handshake is done (None before)."""

    def __init__(
        self, config: ClientConfig | ServerConfig, *, session: Session | None = None
    ) -> None:
        self.config = config
        self.is_client = isinstance(config, ClientConfig)
        if (
            isinstance(config, ClientConfig)
            and config.server_name is None
            and config.check_hostname
            and not config.insecure_skip_verify
        ):
            raise ConfigError(
                "client: server_name is needed to check the server certificate's "
                "name (or set check_hostname=False)"
            )
        if session is not None and not self.is_client:
            raise ConfigError("session= is for clients; a server resumes from its configuration")
        self.session: Session | None = None
        self.info = ConnectionInfo()
        self.transcript = Transcript()
        self._in = bytearray()
        self._out: list[bytes] = []  # record chunks, joined by data_to_send()
        self._hs_in = bytearray()
        self._hs_out = bytearray()
        self._events: deque[Event] = deque()
        self._read: RecordProtection | None = None
        self._write: RecordProtection | None = None
        self._pending_read: RecordProtection | None = None
        self._error: TLSError | None = None
        self._record_version = 0x0301 if self.is_client else TLS12
        self.handshake_complete = False
        self.close_sent = False
        self.close_received = False
        self.eof_received = False
        self._first_record = True
        self._state: State
        if self.is_client:
            self._state = client_hs.client_hello(self, session)
            self._flush_handshake()
            self._record_version = TLS12
        else:
            self._state = server_hs.ExpectClientHello()

    # ----------------------------------------------------------------- public API

    @property
    def state_name(self) -> str:
        return type(self._state).__name__

    @property
    def error(self) -> TLSError | None:
        return self._error

    def receive_data(self, data: bytes) -> None:
        """Feed bytes from the transport; ``b""`` means the transport reached EOF."""
        if self._error is not None:
            raise self._error
        if not data:
            self._on_eof()
            return
        if self.close_received:
            return  # nothing is read after close_notify (RFC 5246 §7.2.1)
        if self._in:
            self._in += data
            buf = bytes(self._in)
        else:
            buf = data if type(data) is bytes else bytes(data)
        try:
            self._process_records(buf)
        except DecodeError as exc:
            self._fail(TLSLocalAlert(exc.alert, str(exc)), exc)
        except TLSError as exc:
            self._fail(exc, exc)
        except Exception as exc:  # a bug of ours: still end cleanly, with internal_error
            self._fail(
                TLSLocalAlert(_A.internal_error, f"internal error in {self.state_name}: {exc!r}"),
                exc,
            )

    def next_event(self) -> Event | None:
        """The next event, or None when more data is needed. Raises the connection's error once
        every event before it has been taken."""
        if self._events:
            return self._events.popleft()
        if self._error is not None:
            raise self._error
        return None

    def events(self) -> list[Event]:
        """Every pending event; raises the connection's error when there are none left."""
        if not self._events and self._error is not None:
            raise self._error
        out = list(self._events)
        self._events.clear()
        return out

    def send(self, data: bytes | bytearray | memoryview) -> None:
        """Queue application data (split into records of at most 2^14 bytes)."""
        if self._error is not None:
            raise self._error
        if not self.handshake_complete:
            raise TLSError("cannot send application data before the handshake is complete")
        if self.close_sent:
            raise TLSClosedError("cannot send after close()")
        n = len(data)
        if n <= MAX_PLAINTEXT:
            if n:
                self._write_record(_CT.application_data, data)  # type: ignore[arg-type]
            return
        view = memoryview(data)
        for start in range(0, n, MAX_PLAINTEXT):
            self._write_record(_CT.application_data, view[start : start + MAX_PLAINTEXT])  # type: ignore[arg-type]

    def close(self) -> None:
        """Queue a close_notify alert (once). The transport may be closed after sending it."""
        if self.close_sent or self._error is not None:
            return
        self.close_sent = True
        self._write_record(
            _CT.alert, Alert(level=AlertLevel.warning, description=_A.close_notify).build()
        )

    def send_alert(self, description: int, level: int = AlertLevel.fatal) -> None:
        """Send an alert of our own choosing (research and fault injection)."""
        self._write_record(_CT.alert, Alert(level=level, description=description).build())

    def export_keying_material(
        self, label: bytes | str, length: int, context: bytes | None = None
    ) -> bytes:
        """RFC 5705 keying material exporter (what ``openssl s_server -keymatexport`` prints).
        ``context=None`` (no context) differs from ``b""``, as the RFC says."""
        if not self.handshake_complete:
            raise TLSError("keying material can be exported only after the handshake")
        info = self.info
        assert info.suite is not None
        if isinstance(label, str):
            label = label.encode("ascii")
        try:
            return keyschedule.export_keying_material(
                info.suite.prf_hash,
                info.master_secret,
                label,
                info.client_random,
                info.server_random,
                context,
                length,
            )
        except ValueError as exc:
            raise TLSError(f"export_keying_material: {exc}") from None

    def data_to_send(self) -> bytes:
        """Bytes to write to the transport (may be empty)."""
        out = self._out
        if not out:
            return b""
        self._out = []
        return out[0] if len(out) == 1 else b"".join(out)

    # ----------------------------------------------------------------- context for states

    def send_handshake(self, message: Any) -> None:
        raw = message.build()
        self.transcript.add(raw)
        self._hs_out += raw
        self.trace("sent", message)

    def send_change_cipher_spec(self, protection: RecordProtection) -> None:
        self._flush_handshake()
        self._write_record(_CT.change_cipher_spec, b"\x01")
        self._write = protection

    def expect_change_cipher_spec(self, protection: RecordProtection) -> None:
        self._pending_read = protection

    def trace(self, direction: str, message: Any) -> None:
        cb = self.config.msg_callback
        if cb is not None:
            cb(direction, message)

    def handshake_done(self) -> None:
        self.handshake_complete = True
        self._events.append(HandshakeComplete())

    def refuse_renegotiation(self) -> None:
        self.send_alert(_A.no_renegotiation, AlertLevel.warning)

    # ----------------------------------------------------------------- record layer

    def _write_record(self, content_type: int, payload: bytes) -> None:
        if self._write is not None:
            payload = self._write.encrypt(content_type, TLS12, payload)
        out = self._out
        out.append(build_header(content_type, self._record_version, len(payload)))
        out.append(payload)

    def _flush_handshake(self) -> None:
        data = self._hs_out
        for start in range(0, len(data), MAX_PLAINTEXT):
            self._write_record(_CT.handshake, bytes(data[start : start + MAX_PLAINTEXT]))
        self._hs_out = bytearray()

    def _process_records(self, buf: bytes) -> None:
        """Handle every complete record in ``buf``; keep the incomplete tail for next time."""
        view = memoryview(buf)
        size = len(buf)
        pos = 0
        try:
            while size - pos >= HEADER_SIZE and not self.close_received:
                if self._first_record:
                    self._check_first_record(view[pos : pos + HEADER_SIZE])
                header = parse_header(view, pos)
                version = header.version
                if version != TLS12 or self.info.version is None:
                    self._check_record_version(version)
                end = pos + HEADER_SIZE + header.length
                if end > size:
                    break
                fragment = view[pos + HEADER_SIZE : end]
                pos = end
                self._handle_record(header.content_type, version, fragment)
        finally:
            self._in = bytearray(view[pos:]) if pos < size else bytearray()
        if self._hs_out:
            self._flush_handshake()

    def _check_first_record(self, header: memoryview) -> None:
        self._first_record = False
        if not self.is_client and is_sslv2_client_hello(bytes(header)):
            raise TLSLocalAlert(
                _A.protocol_version, "SSLv2-format ClientHello refused: tls12 speaks TLS 1.2"
            )

    def _check_record_version(self, version: int) -> None:
        if self.info.version is None:
            if version >> 8 != 3:
                raise TLSLocalAlert(
                    _A.protocol_version, f"record: version 0x{version:04x} is not SSL 3/TLS"
                )
        elif version != TLS12:
            raise TLSLocalAlert(
                _A.protocol_version, f"record: version 0x{version:04x} after TLS 1.2 was agreed"
            )

    def _handle_record(self, content_type: int, version: int, fragment: memoryview) -> None:
        if self._read is not None:
            plain = self._read.decrypt(content_type, version, fragment)
        else:
            plain = bytes(fragment)
        self._dispatch(content_type, plain)

    def _dispatch(self, content_type: int, fragment: bytes) -> None:
        if self._read is None and len(fragment) > MAX_PLAINTEXT:
            raise TLSLocalAlert(
                _A.record_overflow, f"record: {len(fragment)}-byte plaintext exceeds 2^14"
            )
        if content_type == _CT.handshake:
            self._on_handshake_fragment(fragment)
        elif content_type == _CT.application_data:
            if not self.handshake_complete or self._hs_in:
                raise TLSLocalAlert(
                    _A.unexpected_message,
                    f"application data during the handshake ({self.state_name})",
                )
            if fragment:
                self._events.append(ApplicationData(fragment))
        elif content_type == _CT.alert:
            self._on_alert(fragment)
        elif content_type == _CT.change_cipher_spec:
            self._on_change_cipher_spec(fragment)
        else:
            raise TLSLocalAlert(
                _A.unexpected_message, f"record: unknown content type {content_type}"
            )

    def _on_handshake_fragment(self, fragment: bytes) -> None:
        if not fragment:
            raise TLSLocalAlert(_A.unexpected_message, "record: empty handshake fragment")
        self._hs_in += fragment
        messages, rest = split_handshake(bytes(self._hs_in))
        self._hs_in = bytearray(rest)
        for msg_type, raw in messages:
            self._on_handshake_message(msg_type, raw)
            if self._error is not None or self.close_received:
                return

    def _on_handshake_message(self, msg_type: int, raw: bytes) -> None:
        state = self._state
        if (
            msg_type == HandshakeType.hello_request
            and self.is_client
            and not isinstance(state, Traffic)
        ):
            return  # RFC 5246 §7.4.1.1: ignored during a handshake, never in the transcript
        if msg_type not in state.expects:
            raise TLSLocalAlert(
                _A.unexpected_message,
                f"{_hs_name(msg_type)} received; expected {expected_names(state)}",
            )
        if not isinstance(state, Traffic):
            self.transcript.add(raw)
        self._state = state.handle(self, msg_type, raw)

    def _on_change_cipher_spec(self, fragment: bytes) -> None:
        if fragment != b"\x01":
            raise TLSLocalAlert(_A.decode_error, "ChangeCipherSpec: payload must be the byte 1")
        if CCS not in self._state.expects or self._hs_in:
            raise TLSLocalAlert(
                _A.unexpected_message,
                f"ChangeCipherSpec received; expected {expected_names(self._state)}",
            )
        self._state = self._state.handle_ccs(self)
        self._read, self._pending_read = self._pending_read, None

    def _on_alert(self, fragment: bytes) -> None:
        alert = Alert.parse(fragment)
        if alert.level == AlertLevel.warning and alert.description == _A.close_notify:
            self.close_received = True
            if not self.handshake_complete:
                raise TLSRemoteAlert(
                    _A.close_notify, "peer closed during the handshake", level=AlertLevel.warning
                )
            self._events.append(ConnectionClosed())
            if not self.close_sent:
                self.close()
            return
        if alert.level == AlertLevel.warning:
            # Warnings (no_renegotiation, unrecognized_name, user_canceled...) are reported and
            # the connection goes on; the peer decides whether to follow with a fatal alert.
            self._events.append(AlertReceived(alert.level, alert.description))
            return
        raise TLSRemoteAlert(alert.description, level=alert.level)

    def _on_eof(self) -> None:
        self.eof_received = True
        if self.close_received:
            return
        if not self.handshake_complete:
            self._error = TruncationError(
                f"connection closed by peer during the handshake ({self.state_name})"
            )
        else:
            self._error = TruncationError(
                "connection closed by peer without close_notify: data may be truncated"
            )

    def _fail(self, error: TLSError, cause: BaseException) -> None:
        """Record a fatal error; queue our alert if it was ours to send."""
        if isinstance(error, TLSLocalAlert):
            try:
                self._hs_out = bytearray()
                self.send_alert(error.description, AlertLevel.fatal)
            except TLSError:
                pass
        if error is not cause:
            error.__cause__ = cause
        self._error = error


def _hs_name(msg_type: int) -> str:
    try:
        return HandshakeType(msg_type).name
    except ValueError:
        return f"handshake type {msg_type}"


__all__ = ["TLSConnection"]
