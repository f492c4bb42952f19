"""Events the sans-IO connection reports (h11 style): what happened, in order."""

from __future__ import annotations

from dataclasses import dataclass


class Event:
    """Base class of connection events."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class HandshakeComplete(Event):
    """Both Finished messages are verified; application data may flow."""


@dataclass(frozen=True, slots=True)
class ApplicationData(Event):
    data: bytes


@dataclass(frozen=True, slots=True)
class AlertReceived(Event):
    """A warning alert from the peer (fatal alerts end the connection with TLSRemoteAlert)."""

    level: int
    description: int


@dataclass(frozen=True, slots=True)
class ConnectionClosed(Event):
    """The peer sent close_notify: every byte it sent has been delivered."""
