#!/usr/bin/env python3
"""Make vectors/prf/tls12_prf.json: TLS 1.2 PRF known answers computed by OpenSSL's TLS1-PRF KDF.

Run from the repository root: ``python tools/make_prf_vectors.py`` (needs the ``openssl`` 3.x
command line; the tests that read the JSON do not). It uses nothing from tls12: inputs are derived
from fixed strings with SHA-256 so they are reproducible, and each output is exactly what
``openssl kdf ... TLS1-PRF`` prints. In OpenSSL's TLS1-PRF the label is the start of the seed, so
the command's ``hexseed`` is ``label + seed``; the JSON keeps label and seed apart, plus the exact
command line.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "vectors" / "prf" / "tls12_prf.json"


def stream(tag: str, length: int) -> bytes:
    """Deterministic filler bytes: SHA-256 in counter mode over ``tag``."""
    out = b""
    counter = 0
    while len(out) < length:
        out += hashlib.sha256(f"{tag}/{counter}".encode()).digest()
        counter += 1
    return out[:length]


# (digest, secret length, label, seed length, output lengths)
CASES: list[tuple[str, int, bytes, int, list[int]]] = [
    ("SHA256", 48, b"master secret", 64, [48]),
    ("SHA256", 48, b"key expansion", 64, [1, 12, 32, 104, 136, 200]),
    ("SHA256", 48, b"client finished", 32, [12]),
    ("SHA256", 48, b"extended master secret", 32, [48]),
    ("SHA256", 100, b"long secret (longer than the SHA-256 block)", 13, [33]),
    ("SHA256", 1, b"test label", 0, [64, 65]),
    ("SHA384", 48, b"master secret", 64, [48]),
    ("SHA384", 48, b"key expansion", 64, [1, 48, 49, 72, 136, 200]),
    ("SHA384", 48, b"server finished", 48, [12]),
    ("SHA384", 48, b"extended master secret", 48, [48]),
    ("SHA384", 200, b"long secret (longer than the SHA-384 block)", 7, [97]),
]


def openssl_version() -> str:
    return subprocess.run(
        ["openssl", "version"], check=True, capture_output=True, text=True
    ).stdout.strip()


def main() -> int:
    vectors = []
    for index, (digest, secret_len, label, seed_len, lengths) in enumerate(CASES):
        secret = stream(f"prf-secret-{index}", secret_len)
        seed = stream(f"prf-seed-{index}", seed_len)
        for length in lengths:
            cmd = [
                "openssl",
                "kdf",
                "-keylen",
                str(length),
                "-kdfopt",
                f"digest:{digest}",
                "-kdfopt",
                f"hexsecret:{secret.hex()}",
                "-kdfopt",
                f"hexseed:{(label + seed).hex()}",
                "TLS1-PRF",
            ]
            printed = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
            output = bytes.fromhex(printed.strip().replace(":", ""))
            if len(output) != length:
                raise SystemExit(f"openssl gave {len(output)} bytes for keylen {length}")
            vectors.append(
                {
                    "hash": digest.lower(),
                    "secret": secret.hex(),
                    "label": label.decode("ascii"),
                    "seed": seed.hex(),
                    "length": length,
                    "output": output.hex(),
                    "command": " ".join(cmd),
                }
            )
    doc = {
        "source": (
            "OpenSSL TLS1-PRF KDF (`openssl kdf ... TLS1-PRF`), independent of tls12; "
            "made by tools/make_prf_vectors.py. In each command hexseed = label + seed."
        ),
        "openssl_version": openssl_version(),
        "vectors": vectors,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"wrote {len(vectors)} vectors to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
