"""Full handshakes, both sides in one process over memory: tls12, ssl, tlslite-ng, crypto floor."""

from __future__ import annotations

from typing import Any

import pytest

from . import floor, impl_ssl, impl_tls12, impl_tlslite
from .conftest import measure
from .scenarios import HANDSHAKES, Scenario

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
