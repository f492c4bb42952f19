"""Where a tls12 handshake or transfer spends its time: a cProfile run split into phases.

    python -m bench.profile            # Markdown: phase breakdown + top functions, per scenario

Every function cProfile saw is put in a phase by what it is (its module for Python code; the
method and type for ``cryptography``'s compiled calls):

==============================  =============================================================
parsing/building                ``records/`` and construct
key exchange                    ``tls/keyexchange.py``; X25519/ECDH/DH/RSA-encryption calls
signatures                      ``tls/signatures.py``; sign/verify calls on keys
certificate validation          ``tls/trust.py``; certificate loading, x509 verification
PRF and hashing                 ``tls/keyschedule.py``, the transcript digest; Hash/HMAC calls
record protection               ``tls/protection.py``; AEAD / cipher calls
state machine and record layer  ``tls/connection.py``, ``tls/handshake/``, config, events
harness                         the in-memory transport of the benchmark (``bench/``)
==============================  =============================================================

Everything else (the standard library, ``cryptography``'s Python wrappers, enum and dataclass
machinery) has no phase of its own: its own time goes to its callers' phases, in proportion to
the time it spent when called from each (cProfile records that per caller edge). So a
``dataclasses`` ``__init__`` called while parsing counts as parsing.

cProfile adds a fixed cost to every Python call, so phases made of many small Python calls
(parsing, the state machine) look larger than they are, relative to the compiled crypto. The
"unprofiled" figure beside each profile is the plain time per operation for scale.
"""

from __future__ import annotations

import cProfile
import pstats
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import impl_tls12
from .scenarios import SCENARIOS, Scenario

PHASES = (
    "parsing/building",
    "key exchange",
    "signatures",
    "certificate validation",
    "PRF and hashing",
    "record protection",
    "state machine and record layer",
    "harness",
    "other",
)

Key = tuple[str, int, str]

_FILE_PHASES = (
    ("/records/", "parsing/building"),
    ("/construct/", "parsing/building"),
    ("/tls/keyexchange.py", "key exchange"),
    ("/tls/signatures.py", "signatures"),
    ("/tls/trust.py", "certificate validation"),
    ("/tls/keyschedule.py", "PRF and hashing"),
    ("/tls/protection.py", "record protection"),
    ("/tls/connection.py", "state machine and record layer"),
    ("/tls/handshake/", "state machine and record layer"),
    ("/tls/config.py", "state machine and record layer"),
    ("/tls/events.py", "state machine and record layer"),
    ("/bench/", "harness"),
)

# Compiled calls, by words in cProfile's name for them ("<method 'sign' of '...' objects>").
_BUILTIN_PHASES = (
    (("load_der_x509_certificate",), "certificate validation"),
    (("Verifier",), "certificate validation"),
    (("PolicyBuilder",), "certificate validation"),
    (("Store",), "certificate validation"),
    (("'sign'", "PrivateKey"), "signatures"),
    (("'verify'", "PublicKey"), "signatures"),
    (("X25519",), "key exchange"),
    (("X448",), "key exchange"),
    (("'exchange'",), "key exchange"),
    (("generate_private_key",), "key exchange"),
    (("from_encoded_point",), "key exchange"),
    (("DHParameter",), "key exchange"),
    (("DHPublic",), "key exchange"),
    (("'decrypt'", "RSAPrivateKey"), "key exchange"),
    (("'encrypt'", "RSAPublicKey"), "key exchange"),
    (("'Hash'",), "PRF and hashing"),
    (("'HMAC'",), "PRF and hashing"),
    (("hashes.",), "PRF and hashing"),
    (("AESGCM",), "record protection"),
    (("ChaCha20Poly1305",), "record protection"),
    (("Cipher",), "record protection"),
)


def classify(key: Key) -> str | None:
    filename, _line, name = key
    for fragment, phase in _FILE_PHASES:
        if fragment in filename:
            if (
                fragment == "/tls/handshake/"
                and filename.endswith("common.py")
                and name in ("digest",)
            ):
                return "PRF and hashing"
            return phase
    if filename == "~":
        for words, phase in _BUILTIN_PHASES:
            if all(w in name for w in words):
                return phase
    return None


def phase_times(stats: dict[Key, Any]) -> dict[str, float]:
    """Seconds per phase: each function's own time, given to its phase or spread over callers."""
    memo: dict[Key, dict[str, float]] = {}

    def resolve(key: Key, depth: int = 0) -> dict[str, float]:
        if key in memo:
            return memo[key]
        phase = classify(key)
        if phase is not None:
            memo[key] = {phase: 1.0}
            return memo[key]
        entry = stats.get(key)
        callers = entry[4] if entry else {}
        if not callers or depth > 40:
            return {"other": 1.0}
        memo[key] = {"other": 1.0}  # cycle guard while resolving
        weights = {c: (edge[2] or edge[3]) for c, edge in callers.items()}
        total = sum(weights.values())
        out: dict[str, float] = defaultdict(float)
        for caller, w in weights.items():
            share = (w / total) if total else 1 / len(weights)
            for ph, frac in resolve(caller, depth + 1).items():
                out[ph] += share * frac
        memo[key] = dict(out)
        return memo[key]

    totals: dict[str, float] = defaultdict(float)
    for key, (_cc, _nc, tt, _ct, _callers) in stats.items():
        for ph, frac in resolve(key).items():
            totals[ph] += tt * frac
    return dict(totals)


def _short(key: Key) -> str:
    filename, line, name = key
    if filename == "~":
        return name
    for root in ("/tls/", "/records/", "/construct/", "/cryptography/", "/bench/"):
        if root in filename:
            filename = root.strip("/") + "/" + filename.split(root, 1)[1]
            break
    else:
        filename = filename.rsplit("/", 1)[-1]
    return f"{filename}:{line}({name})"


@dataclass
class Profile:
    scenario: str
    operations: int
    unit: str  # "handshake" | "16 KiB write" | "64 B write"
    plain_seconds: float  # per operation, without the profiler
    phases: dict[str, float]  # seconds per operation, under the profiler
    top: list[tuple[str, float, float, float]]  # name, ncalls/op, cumulative s/op, own s/op
    top_own: list[tuple[str, float, float, float]]  # the same, by own time

    def markdown(self, top_n: int = 15) -> str:
        total = sum(self.phases.values())
        lines = [
            f"#### `{self.scenario}` (tls12, {self.operations} x {self.unit}, cProfile)",
            "",
            f"Unprofiled: {self.plain_seconds * 1e6:,.0f} µs per {self.unit}; under cProfile "
            f"{total * 1e6:,.0f} µs.",
            "",
            "| phase | µs per op (profiled) | share |",
            "|---|---:|---:|",
        ]
        for ph in PHASES:
            t = self.phases.get(ph, 0.0)
            if t > 0:
                lines.append(f"| {ph} | {t * 1e6:,.1f} | {t / total:.0%} |")
        lines += [
            "",
            "Top functions by cumulative time (harness and profiler frames left out):",
            "",
            "| function | calls/op | cumulative µs/op | own µs/op |",
            "|---|---:|---:|---:|",
        ]
        for name, calls, cum, own in self.top[:top_n]:
            lines.append(f"| `{name}` | {calls:g} | {cum * 1e6:,.1f} | {own * 1e6:,.1f} |")
        lines += [
            "",
            "Top functions by own time:",
            "",
            "| function | calls/op | own µs/op |",
            "|---|---:|---:|",
        ]
        for name, calls, _cum, own in self.top_own[:10]:
            lines.append(f"| `{name}` | {calls:g} | {own * 1e6:,.1f} |")
        return "\n".join(lines)


def profile(sc: Scenario, operations: int) -> Profile:
    """Profile ``operations`` handshakes (or writes, for a transfer) of tls12 in scenario ``sc``."""
    fn: Callable[[], Any]
    if sc.kind == "handshake":
        fn = impl_tls12.handshake(sc)
        rounds, per_round, unit = operations, 1, "handshake"
    else:
        writes = 64 if sc.write_size >= 1024 else 1024
        fn = impl_tls12.transfer(sc, writes).round
        rounds = max(1, operations // writes)
        per_round, unit = writes, ("16 KiB write" if sc.write_size >= 1024 else "64 B write")
    fn()  # warm up
    start = time.perf_counter()
    for _ in range(rounds):
        fn()
    ops = rounds * per_round
    plain = (time.perf_counter() - start) / ops
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(rounds):
        fn()
    prof.disable()
    stats: dict[Key, Any] = pstats.Stats(prof).stats  # type: ignore[attr-defined]
    phases = {ph: t / ops for ph, t in phase_times(stats).items()}
    rows = [
        (_short(key), nc / ops, ct / ops, tt / ops)
        for key, (_cc, nc, tt, ct, _callers) in stats.items()
        if not ("/bench/" in key[0] or "_lsprof" in key[2] or "disable" in key[2])
    ]
    top = sorted(rows, key=lambda r: -r[2])[:25]
    top_own = sorted(rows, key=lambda r: -r[3])[:25]
    return Profile(sc.name, ops, unit, plain, phases, top, top_own)


#: What the report profiles: the targets' scenarios.
PROFILED = (
    ("handshake_full_ecdhe_ecdsa_p256_aes128gcm", 200),
    ("handshake_full_ecdhe_ecdsa_p256_aes128gcm_mtls", 200),
    ("handshake_full_ecdhe_rsa2048_aes128gcm_mtls", 100),
    ("transfer_16k_aes128gcm", 640),
    ("transfer_64b_aes128gcm", 10240),
)


def run_all() -> list[Profile]:
    return [profile(SCENARIOS[name], n) for name, n in PROFILED]


def main(argv: list[str] | None = None) -> int:
    names = argv if argv else [n for n, _ in PROFILED]
    counts = dict(PROFILED)
    for name in names:
        print(profile(SCENARIOS[name], counts.get(name, 100)).markdown())
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
