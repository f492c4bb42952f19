"""One error hierarchy for tls12.

``TLSError`` is the base. Alert errors carry the :class:`AlertDescription` of the alert: a
:class:`TLSLocalAlert` is an alert *we* sent because the peer did something wrong (or our checks
failed); a :class:`TLSRemoteAlert` is an alert the peer sent us. After a fatal error a connection is
in an error state and every later call raises the same error.
"""

from __future__ import annotations

from records.errors import DecodeError
from records.registry import AlertDescription, AlertLevel

__all__ = [
    "BadRecordMac",
    "CertificateError",
    "ConfigError",
    "DecodeError",
    "TLSAlertError",
    "TLSClosedError",
    "TLSError",
    "TLSLocalAlert",
    "TLSRemoteAlert",
    "TruncationError",
]


class TLSError(Exception):
    """Base class of every error tls12 raises."""


class ConfigError(TLSError, ValueError):
    """A configuration that cannot work, found when the configuration is built."""


def _alert_name(description: int) -> str:
    try:
        return AlertDescription(description).name
    except ValueError:
        return f"alert({description})"


class TLSAlertError(TLSError):
    """An error tied to a TLS alert."""

    def __init__(self, description: int, message: str = "", *, level: int = AlertLevel.fatal):
        self.description = description
        self.level = level
        self.message = message
        super().__init__(self._text())

    @property
    def alert_name(self) -> str:
        return _alert_name(self.description)

    def _text(self) -> str:
        return f"{self.alert_name}: {self.message}" if self.message else self.alert_name


class TLSLocalAlert(TLSAlertError):
    """We detected a problem and sent (or would send) this fatal alert to the peer."""

    def _text(self) -> str:
        return (
            f"{self.message} (sent alert {self.alert_name})"
            if self.message
            else (f"sent alert {self.alert_name}")
        )


class TLSRemoteAlert(TLSAlertError):
    """The peer sent us this alert."""

    def _text(self) -> str:
        level = "fatal" if self.level == AlertLevel.fatal else "warning"
        text = f"peer sent {level} alert {self.alert_name}"
        return f"{text}: {self.message}" if self.message else text


class BadRecordMac(TLSLocalAlert):
    """A record failed authentication. Deliberately carries no detail about why (RFC 5246 §6.2.3.2,
    RFC 7366): padding and MAC failures are indistinguishable."""

    def __init__(self) -> None:
        super().__init__(AlertDescription.bad_record_mac, "record authentication failed")


class CertificateError(TLSLocalAlert):
    """A peer certificate chain failed validation (chain, usage, validity, name or allow-list)."""


class TruncationError(TLSError):
    """The transport reached EOF before the peer's close_notify: the data may be truncated."""


class TLSClosedError(TLSError):
    """The connection is closed; no more application data can be sent or received."""
