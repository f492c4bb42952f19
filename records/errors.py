"""The one decode error of records/: every malformed input raises it, naming the alert and field."""

from __future__ import annotations

from .registry import AlertDescription


class DecodeError(ValueError):
    """Bytes that are not a valid TLS structure.

    ``alert`` is the alert a TLS endpoint should send (decode_error, illegal_parameter,
    record_overflow, ...); ``field`` names the structure and field where decoding failed.
    """

    def __init__(
        self, message: str, *, alert: int = AlertDescription.decode_error, field: str | None = None
    ):
        self.alert = alert
        self.field = field
        self.reason = message
        where = f"{field}: " if field else ""
        super().__init__(f"{where}{message}")


class EncodeError(DecodeError):
    """A model that cannot be encoded (a value too large for its length field, a wrong type...).

    A subclass of :class:`DecodeError` so that records/ keeps one exception type; its alert is
    internal_error, since it is a local programming error rather than bad input from a peer.
    """

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message, alert=AlertDescription.internal_error, field=field)
