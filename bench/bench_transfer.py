"""Bulk transfer on an established connection: 16 KiB and 64-byte client writes, read by the
server, in memory. One round is 64 x 16 KiB (1 MiB) or 1024 x 64 B; tlslite-ng, whose ciphers are
pure Python here, does 2 x 16 KiB or 64 x 64 B per round (rates are per byte / per record)."""

from __future__ import annotations

from typing import Any

import pytest

from . import floor, impl_ssl, impl_tls12, impl_tlslite
from .conftest import measure
from .scenarios import TRANSFERS, Scenario

IMPLS = {
    "tls12": impl_tls12.transfer,
    "ssl": impl_ssl.transfer,
    "tlslite": impl_tlslite.transfer,
    "floor": floor.transfer,
}


def writes_per_round(sc: Scenario, impl: str) -> int:
    big = sc.write_size >= 1024
    if impl == "tlslite":
        return 2 if big else 64
    return 64 if big else 1024


def per_round(sc: Scenario, writes: int) -> int:
    """Bytes per round for 16 KiB writes (MiB/s), records per round for 64-byte writes."""
    return writes * sc.write_size if sc.write_size >= 1024 else writes


@pytest.mark.parametrize("impl", list(IMPLS))
@pytest.mark.parametrize("sc", TRANSFERS, ids=lambda s: s.name)
def test_transfer(benchmark: Any, sc: Scenario, impl: str) -> None:
    writes = writes_per_round(sc, impl)
    transfer = IMPLS[impl](sc, writes)
    measure(benchmark, transfer.round, sc, impl, per_round=per_round(sc, writes))
