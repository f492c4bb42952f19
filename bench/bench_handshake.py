"""Handshakes, both sides in one process over memory: tls12, ssl, tlslite-ng, crypto floor.

Full handshakes on every implementation; resumed ones (session ID, ticket) on tls12, ssl and
tlslite-ng (the crypto floor models full handshakes only)."""

from __future__ import annotations

from typing import Any

import pytest

from . import floor, impl_ssl, impl_tls12, impl_tlslite
from .conftest import measure
from .scenarios import HANDSHAKES, RESUMED, Scenario

IMPLS = {
    "tls12": impl_tls12.handshake,
    "ssl": impl_ssl.handshake,
    "tlslite": impl_tlslite.handshake,
    "floor": floor.handshake,
}


@pytest.mark.parametrize("impl", list(IMPLS))
@pytest.mark.parametrize("sc", HANDSHAKES, ids=lambda s: s.name)
def test_handshake(benchmark: Any, sc: Scenario, impl: str) -> None:
    measure(benchmark, IMPLS[impl](sc), sc, impl)


@pytest.mark.parametrize("impl", ["tls12", "ssl", "tlslite"])
@pytest.mark.parametrize("sc", RESUMED, ids=lambda s: s.name)
def test_handshake_resumed(benchmark: Any, sc: Scenario, impl: str) -> None:
    measure(benchmark, IMPLS[impl](sc), sc, impl)
