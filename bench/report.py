"""Turn the latest benchmark run into bench/README.md (table, targets, profile) and a PNG chart.

    python -m pytest bench --benchmark-json=bench/results/latest.json
    python -m bench.report [bench/results/latest.json] [--no-profile]

Only the section between the ``bench.report`` markers of bench/README.md is rewritten; every
other section (the Codec section, for one) is kept as it is. Figures are the minimum round time of
each benchmark: on a shared machine the least-disturbed round is the steadiest estimate of the cost,
and ratios of minima are what stays comparable between runs (medians are kept in the JSON).
The chart needs matplotlib (``pip install -e '.[bench]'``); without it the
README says so and the table is written anyway.
"""

from __future__ import annotations

import argparse
import json
import platform
import ssl
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .scenarios import HANDSHAKES, RESUMED, SCENARIOS, SOCKET_SCENARIOS, TRANSFERS, Scenario

HERE = Path(__file__).parent
DEFAULT_JSON = HERE / "results" / "latest.json"
README = HERE / "README.md"
CHART = HERE / "results" / "chart.png"
START = "<!-- bench.report:start -->"
END = "<!-- bench.report:end -->"
IMPLS = ("tls12", "ssl", "tlslite", "floor")

#: Why a figure is missing, where one is: the crypto floor models full handshakes only
#: (tlslite-ng runs every scenario, resumption by session ID and by TLS 1.2 ticket included).
NOT_AVAILABLE: dict[tuple[str, str], str] = {
    (sc.name, "floor"): "full handshakes only" for sc in RESUMED
}


@dataclass
class Result:
    scenario: Scenario
    impl: str
    seconds: float  # per round: the minimum over the benchmark's rounds
    rounds: int
    per_round: int

    @property
    def rate(self) -> float:
        """Handshakes/s, MiB/s or records/s."""
        r = self.per_round / self.seconds
        return r / 2**20 if self.scenario.unit == "MiB/s" else r


def compact(path: Path) -> None:
    """Drop pytest-benchmark's raw per-round timings (megabytes) from the run's JSON, keeping
    the statistics the report uses, so the committed results stay small."""
    data = json.loads(path.read_text())
    if any("data" in b.get("stats", {}) for b in data.get("benchmarks", ())):
        for b in data["benchmarks"]:
            b["stats"].pop("data", None)
        path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")


def load(path: Path) -> tuple[dict[tuple[str, str], Result], dict[str, Any]]:
    compact(path)
    data = json.loads(path.read_text())
    out: dict[tuple[str, str], Result] = {}
    for b in data["benchmarks"]:
        info = b.get("extra_info", {})
        name = info.get("scenario")
        if name not in SCENARIOS:
            continue  # bench_codec.py and anything else without a scenario
        out[(name, info["impl"])] = Result(
            SCENARIOS[name],
            info["impl"],
            b["stats"]["min"],
            b["stats"]["rounds"],
            int(info.get("per_round", 1)),
        )
    machine = dict(data.get("machine_info", {}))
    machine["commit_info"] = data.get("commit_info", {})
    return out, machine


def _fmt_time(seconds: float) -> str:
    return f"{seconds * 1e3:,.2f} ms"


def _fmt_rate(r: Result) -> str:
    if r.scenario.unit == "MiB/s":
        return f"{r.rate:,.1f} MiB/s"
    return f"{r.rate:,.0f} rec/s"


def _cell(results: dict[tuple[str, str], Result], name: str, impl: str) -> str:
    r = results.get((name, impl))
    if r is None:
        measured = any((name, i) in results for i in IMPLS)  # an unmeasured row is all dashes
        if measured and (name, impl) in NOT_AVAILABLE:
            return f"n/a ({NOT_AVAILABLE[(name, impl)]})"
        return "-"
    return _fmt_time(r.seconds) if r.scenario.kind == "handshake" else _fmt_rate(r)


def _ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}x" if a and b else "-"


def handshake_table(results: dict[tuple[str, str], Result], scenarios: tuple[Scenario, ...]) -> str:
    lines = [
        "| scenario | tls12 | ssl | tlslite-ng | crypto floor | tls12 / ssl (time) | "
        "tls12 / floor | tlslite-ng / tls12 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for sc in scenarios:
        t = {i: results[(sc.name, i)].seconds for i in IMPLS if (sc.name, i) in results}
        lines.append(
            f"| `{sc.name}` | "
            + " | ".join(_cell(results, sc.name, i) for i in IMPLS)
            + f" | {_ratio(t.get('tls12'), t.get('ssl'))} | "
            f"{_ratio(t.get('tls12'), t.get('floor'))} | "
            f"{_ratio(t.get('tlslite'), t.get('tls12'))} |"
        )
    return "\n".join(lines)


def transfer_table(results: dict[tuple[str, str], Result], scenarios: tuple[Scenario, ...]) -> str:
    lines = [
        "| scenario | tls12 | ssl | tlslite-ng | crypto floor | tls12 / ssl (rate) | "
        "tls12 / floor | tls12 / tlslite-ng |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for sc in scenarios:
        rate = {i: results[(sc.name, i)].rate for i in IMPLS if (sc.name, i) in results}
        lines.append(
            f"| `{sc.name}` | "
            + " | ".join(_cell(results, sc.name, i) for i in IMPLS)
            + f" | {_ratio(rate.get('tls12'), rate.get('ssl'))} | "
            f"{_ratio(rate.get('tls12'), rate.get('floor'))} | "
            f"{_ratio(rate.get('tls12'), rate.get('tlslite'))} |"
        )
    return "\n".join(lines)


@dataclass
class Target:
    text: str
    value: float | None
    limit: float
    at_most: bool  # value must be <= limit (else >=)

    @property
    def met(self) -> bool | None:
        if self.value is None:
            return None
        return self.value <= self.limit if self.at_most else self.value >= self.limit

    def row(self) -> str:
        status = {True: "**met**", False: "**not met**", None: "not measured"}[self.met]
        shown = f"{self.value:.2f}x" if self.value is not None else "-"
        bound = ("≤ " if self.at_most else "≥ ") + f"{self.limit:g}x"
        return f"| {self.text} | {shown} | {bound} | {status} |"


def targets(results: dict[tuple[str, str], Result]) -> list[Target]:
    def t(name: str, impl: str) -> float | None:
        r = results.get((name, impl))
        return r.seconds if r else None

    def rate(name: str, impl: str) -> float | None:
        r = results.get((name, impl))
        return r.rate if r else None

    def ratio(a: float | None, b: float | None) -> float | None:
        return a / b if a and b else None

    ecdsa = "handshake_full_ecdhe_ecdsa_p256_aes128gcm"
    out = [
        Target(
            f"`{ecdsa}`: tls12 time / ssl time",
            ratio(t(ecdsa, "tls12"), t(ecdsa, "ssl")),
            1.2,
            True,
        ),
        Target(
            f"`{ecdsa}`: tls12 time / crypto floor",
            ratio(t(ecdsa, "tls12"), t(ecdsa, "floor")),
            2.0,
            True,
        ),
    ]
    for name in (
        "handshake_full_ecdhe_ecdsa_p256_aes128gcm_mtls",
        "handshake_full_ecdhe_rsa2048_aes128gcm_mtls",
    ):
        out.append(
            Target(
                f"`{name}`: tls12 time / ssl time",
                ratio(t(name, "tls12"), t(name, "ssl")),
                1.0,
                True,
            )
        )
    for name in ("transfer_16k_aes128gcm", "transfer_16k_chacha20"):
        out.append(
            Target(
                f"`{name}`: tls12 throughput / ssl throughput",
                ratio(rate(name, "tls12"), rate(name, "ssl")),
                0.7,
                False,
            )
        )
    for sc in TRANSFERS:
        if sc.write_size == 64:
            out.append(
                Target(
                    f"`{sc.name}`: tls12 records/s / ssl records/s",
                    ratio(rate(sc.name, "tls12"), rate(sc.name, "ssl")),
                    0.3,
                    False,
                )
            )
    for sc in RESUMED:
        out.append(
            Target(
                f"`{sc.name}`: tls12 time / ssl time",
                ratio(t(sc.name, "tls12"), t(sc.name, "ssl")),
                1.5,
                True,
            )
        )
    for sc in (*HANDSHAKES, *RESUMED):
        out.append(
            Target(
                f"`{sc.name}`: tlslite-ng time / tls12 time",
                ratio(t(sc.name, "tlslite"), t(sc.name, "tls12")),
                15.0,
                False,
            )
        )
    return out


def chart(results: dict[tuple[str, str], Result], path: Path) -> str | None:
    """Grouped bars, speed relative to ssl (log scale). Returns an error text if not drawn."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib is not installed (pip install -e '.[bench]'): no chart drawn"
    groups = [
        ("Handshakes (handshakes/s)", (*HANDSHAKES, *RESUMED, SOCKET_SCENARIOS[0])),
        ("Transfers (bytes or records/s)", (*TRANSFERS, SOCKET_SCENARIOS[1])),
    ]
    colours = {"tls12": "#1f77b4", "ssl": "#7f7f7f", "tlslite": "#d62728", "floor": "#2ca02c"}
    labels = {
        "tls12": "tls12",
        "ssl": "ssl (OpenSSL)",
        "tlslite": "tlslite-ng",
        "floor": "crypto floor",
    }
    fig, axes = plt.subplots(1, 2, figsize=(15, 8))
    for ax, (title, scenarios) in zip(axes, groups, strict=True):
        names = [sc.name for sc in scenarios]
        height = 0.2
        for k, impl in enumerate(IMPLS):
            values = []
            for sc in scenarios:
                r, base = results.get((sc.name, impl)), results.get((sc.name, "ssl"))
                values.append(r.rate / base.rate if r and base else 0)
            ys = [i + (k - 1.5) * height for i in range(len(names))]
            ax.barh(ys, values, height=height, color=colours[impl], label=labels[impl])
        ax.set_yticks(range(len(names)))
        ax.set_yticklabels(
            [n.replace("handshake_full_", "hs_").replace("handshake_", "hs_") for n in names],
            fontsize=8,
        )
        ax.invert_yaxis()
        ax.set_xscale("log")
        ax.axvline(1.0, color="black", linewidth=0.8)
        ax.set_xlabel("speed relative to ssl (ssl = 1; higher is faster; log scale)")
        ax.set_title(title)
    handles, legend_labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, legend_labels, loc="upper center", ncol=4, fontsize=9)
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return None


def code_state(commit: dict[str, Any]) -> str:
    """Which tls12 code was measured (pytest-benchmark's commit_info): other people edit the tree
    while benchmarks run, so a dirty tree is said so."""
    if not commit.get("id"):
        return "commit unknown"
    dirty = " plus uncommitted changes in the working tree" if commit.get("dirty") else ""
    return f"commit {commit['id'][:10]}{dirty}"


def environment(machine: dict[str, Any]) -> str:
    import cryptography
    import tlslite

    cpu = machine.get("cpu", {}).get("brand_raw", platform.processor() or "unknown CPU")
    cores = machine.get("cpu", {}).get("count", "?")
    return (
        f"{cpu}, {cores} cores; CPython {platform.python_version()}; {ssl.OPENSSL_VERSION}; "
        f"cryptography {cryptography.__version__}; tlslite-ng {tlslite.__version__} "
        "(pure Python: no M2Crypto, pycryptodome or gmpy installed)"
    )


def render(
    results: dict[tuple[str, str], Result],
    machine: dict[str, Any],
    chart_error: str | None,
    profile_md: str | None,
) -> str:
    rows = "\n".join(tg.row() for tg in targets(results))
    parts = [
        START,
        "## TLS benchmarks: tls12 vs ssl (OpenSSL) vs tlslite-ng",
        "",
        "Run everything (a few minutes on 2 cores), then regenerate this section and the chart:",
        "",
        "```",
        "python -m pytest bench --benchmark-json=bench/results/latest.json",
        "python -m bench.report",
        "```",
        "",
        f"Latest run: {environment(machine)}; tls12 at {code_state(machine.get('commit_info', {}))}"
        ". Figures are the fastest round of each benchmark (the "
        "least disturbed on a shared VM; medians are in the JSON); both sides of each connection "
        "run in one process and are both counted. Other jobs ran on the VM at the same time: "
        "expect ±10-20 % between runs.",
        "",
        "What is compared (see `bench/scenarios.py`): TLS 1.2 only, one suite offered and "
        "accepted, X25519 for ECDHE (both sides also accept P-256, the curve of the ECDSA "
        "certificates: TLS 1.2 requires it), RFC 7919 ffdhe2048 for DHE, ecdsa_secp256r1_sha256 "
        "or rsa_pss_rsae_sha256, extended master secret on, no session tickets issued in full "
        "handshakes. The client "
        "validates the server's chain (leaf + CA) and host name; with `_mtls` the server asks "
        "for and validates a client chain of the same key type. In memory: tls12's sans-IO "
        "connections handing bytes over, ssl's `SSLObject`s over `MemoryBIO`s, tlslite-ng's "
        "async handshake generators over an in-memory socket. `_socket` scenarios run over "
        "loopback TCP with the server in a thread.",
        "",
        "Caveats: **tlslite-ng cannot validate a certificate chain** (it has no CA store); it "
        "checks the peer leaf's fingerprint instead, which is cheaper. Its crypto is pure Python "
        "here. OpenSSL keeps a server-side session cache entry per handshake (Python cannot turn "
        "it off); OpenSSL's DHE uses full-length exponents for ffdhe2048 loaded from PEM, tls12 "
        "and the floor get OpenSSL's short exponent for the named group.",
        "",
        "### Handshakes (time per full handshake, both sides)",
        "",
        handshake_table(results, HANDSHAKES),
        "",
        "The crypto floor (`bench/floor.py`) is the same handshake's key generations, exchanges, "
        "signatures, verifications, certificate parsing and chain validation, transcript hashes, "
        "PRF calls and Finished record protection, done directly with `cryptography` and "
        "nothing else.",
        "",
        "### Resumed handshakes (time per abbreviated handshake, both sides)",
        "",
        handshake_table(results, RESUMED),
        "",
        "A session made by one full ECDHE-ECDSA-P256 handshake (outside the timing) is offered "
        "in every round and resumed (RFC 5246 §7.3 fig. 2): by session ID from the server's "
        "cache (no tickets anywhere), or by RFC 5077 ticket (the server opens the ticket; "
        "tls12 seals tickets with AES-256-GCM). ssl's connections are kept alive during the "
        "run: OpenSSL drops a session from its cache when a connection that was not shut down "
        "is freed.",
        "",
        "### Bulk transfer (client writes, server reads; ECDHE-ECDSA connection)",
        "",
        transfer_table(results, TRANSFERS),
        "",
        "16 KiB writes are reported in MiB/s, 64-byte writes in records/s. The transfer floor "
        "seals and opens each record with the suite's cipher and nothing else.",
        "",
        "### Over loopback TCP",
        "",
        handshake_table(results, SOCKET_SCENARIOS[:1]),
        "",
        transfer_table(results, SOCKET_SCENARIOS[1:]),
        "",
        "### Chart",
        "",
        f"_{chart_error}_" if chart_error else "![tls12 vs ssl vs tlslite-ng](results/chart.png)",
        "",
        "### Targets (issue 4)",
        "",
        "| target | measured | wanted | status |",
        "|---|---:|---:|---|",
        rows,
        "",
    ]
    if profile_md:
        parts += [
            "### Where tls12's time goes (per-phase profile)",
            "",
            "From `python -m bench.profile` (cProfile; see `bench/profile.py` for how functions "
            "are put in phases). cProfile's per-call overhead inflates the phases made of many "
            "small Python calls, so read shares as an ordering, and compare the unprofiled time "
            f"with the benchmark above. Profiled at {code_state(_git_state())}.",
            "",
            profile_md,
            "",
        ]
    parts.append(END)
    return "\n".join(parts)


def _git_state() -> dict[str, Any]:
    import subprocess

    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, cwd=HERE, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "tls", "records"],
            capture_output=True,
            text=True,
            cwd=HERE.parent,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return {}
    return {"id": head, "dirty": bool(dirty)}


def write_readme(section: str, path: Path = README) -> None:
    """Replace the marked section; without markers, insert it before the first ``## `` heading
    (keeping the title and intro first and every other section after it)."""
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    if START in text and END in text:
        head, rest = text.split(START, 1)
        _old, tail = rest.split(END, 1)
        text = head + section + tail
    else:
        idx = text.find("\n## ")
        if idx < 0:
            text = text.rstrip("\n") + "\n\n" + section + "\n"
        else:
            text = text[: idx + 1] + section + "\n\n" + text[idx + 1 :]
    path.write_text(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.report", description=__doc__)
    parser.add_argument("json", nargs="?", type=Path, default=DEFAULT_JSON)
    parser.add_argument(
        "--no-profile", action="store_true", help="leave the per-phase profile out (it takes ~30 s)"
    )
    parser.add_argument("--readme", type=Path, default=README)
    args = parser.parse_args(argv)
    results, machine = load(args.json)
    if not results:
        print(f"{args.json}: no scenario benchmarks found", file=sys.stderr)
        return 1
    chart_error = chart(results, CHART)
    profile_md = None
    if not args.no_profile:
        from . import profile

        profile_md = "\n\n".join(p.markdown() for p in profile.run_all())
    write_readme(render(results, machine, chart_error, profile_md), args.readme)
    for tg in targets(results):
        print(tg.row())
    print(f"wrote {args.readme}" + ("" if chart_error else f" and {CHART}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
