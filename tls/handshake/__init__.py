"""Client and server handshake state machines (one class per state).

Each state declares in ``expects`` what may come next; :func:`state_table` lists them all, so the
allowed transitions can be read (and tested) in one place.
"""

from __future__ import annotations

from .common import State, expected_names


def state_table() -> dict[str, dict[str, str]]:
    """``{"client": {state: expected messages}, "server": {...}}`` for every handshake state."""
    from . import client, server

    table: dict[str, dict[str, str]] = {}
    for side, module in (("client", client), ("server", server)):
        states = {
            name: obj
            for name, obj in vars(module).items()
            if isinstance(obj, type)
            and issubclass(obj, State)
            and obj.__module__ == module.__name__
        }
        rows = {name: expected_names(cls) for name, cls in states.items()}
        rows["Traffic"] = (
            "hello_request (refused: no_renegotiation)"
            if side == "client"
            else "client_hello (refused: no_renegotiation)"
        )
        table[side] = rows
    return table


__all__ = ["State", "state_table"]
