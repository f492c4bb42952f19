"""A few scenarios over loopback TCP (server side in a thread): tls12, ssl, tlslite-ng."""

from __future__ import annotations

from typing import Any

import pytest

from .bench_transfer import per_round, writes_per_round
from .conftest import measure
from .impl_socket import Handshake, Transfer
from .scenarios import SOCKET_SCENARIOS, Scenario

IMPLS = ("tls12", "ssl", "tlslite")


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("sc", SOCKET_SCENARIOS, ids=lambda s: s.name)
def test_socket(benchmark: Any, sc: Scenario, impl: str) -> None:
    if sc.kind == "handshake":
        handshake = Handshake(sc, impl)
        try:
            measure(benchmark, handshake, sc, impl)
        finally:
            handshake.close()
        return
    writes = writes_per_round(sc, impl)
    transfer = Transfer(sc, impl, writes)
    try:
        measure(benchmark, transfer.round, sc, impl, per_round=per_round(sc, writes))
    finally:
        transfer.close()
