"""pytest configuration for the benchmark suite (``pytest bench``; not part of the default run).

Benchmark files are ``bench/bench_*.py``. Every benchmark runs in pedantic mode with a round count
chosen from a time budget (``BENCH_BUDGET`` seconds per benchmark, default 1.0) after one warm-up
call, so the whole suite takes a few minutes on 2 cores whatever the speed of each library.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

import pytest

from .scenarios import Scenario, bench_pki

BUDGET = float(os.environ.get("BENCH_BUDGET", "1.0"))
MIN_ROUNDS = 3
MAX_ROUNDS = 2000


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("python_files", "bench_*.py")


@pytest.fixture(scope="session", autouse=True)
def _pki() -> None:
    bench_pki()  # generate the certificates once, before any timing


def measure(
    benchmark: Any, fn: Callable[[], Any], sc: Scenario, impl: str, *, per_round: int = 1
) -> Any:
    """Time ``fn`` (one round) for scenario ``sc`` on implementation ``impl``.

    ``per_round`` is what one call delivers: 1 handshake, or the bytes / records of a transfer
    round; the report divides it by the round time.
    """
    benchmark.group = sc.name
    benchmark.name = f"{sc.name}[{impl}]"
    benchmark.extra_info.update(
        scenario=sc.name,
        impl=impl,
        kind=sc.kind,
        unit=sc.unit,
        per_round=per_round,
        write_size=sc.write_size,
        suite=sc.suite,
        socket=sc.socket,
    )
    start = time.perf_counter()
    result = fn()  # warm-up, and the estimate of one round's cost
    cost = max(time.perf_counter() - start, 1e-6)
    rounds = max(MIN_ROUNDS, min(MAX_ROUNDS, int(BUDGET / cost)))
    benchmark.pedantic(fn, rounds=rounds, iterations=1, warmup_rounds=0)
    return result
