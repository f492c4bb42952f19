"""records/ is a public API on its own: it imports only construct and the standard library."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import records

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = r"""
import importlib, importlib.abc, sys

class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        top = name.split(".")[0]
        if top in ("tls", "cryptography", "hypothesis", "pytest"):
            raise ImportError(f"records must not import {name}")
        return None

sys.meta_path.insert(0, Block())
import records
for name in sys.argv[1:]:
    importlib.import_module(name)
print("ok")
"""


def test_every_records_module_imports_without_tls():
    modules = ["records"] + [f"records.{m.name}" for m in pkgutil.iter_modules(records.__path__)]
    assert {"records.vocab", "records.record", "records.handshake", "records.extensions"} <= set(
        modules
    )
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, *modules],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_public_names_are_exported():
    for name in records.__all__:
        assert hasattr(records, name), name
