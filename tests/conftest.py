"""Shared pytest fixtures. Add yours below, each with a line saying what it gives.

Certificates (see tests/pki_fixtures.py for the full list of identities and files):

- ``pki`` (session): a :class:`pki_fixtures.PKI` built once into a session tmp dir: the demo PKI
  of ``tls12 certs`` (``pki.ca_path``, ``pki.server_rsa.chain_path``, ``pki.client_ecdsa.key_path``
  ...) plus negative material (``server_expired``, ``server_wrong_host``, ``server_unknown_ca``,
  ``client_untrusted``, ...), with parsed objects, DER chains and a ``TrustStore`` (``pki.trust``).

OpenSSL:

- ``openssl_bin`` (session): path of the ``openssl`` executable. When it is missing the test is
  skipped with a reason, except under ``CI=true``, where a missing openssl fails the test: CI must
  run the interop tests.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from pki_fixtures import PKI, build_test_pki


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> PKI:
    """The session's test PKI (built once; treat files and objects as read-only)."""
    return build_test_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="session")
def openssl_bin() -> Path:
    """The openssl executable; skip (outside CI) or fail (CI=true) when it is not installed."""
    found = shutil.which("openssl")
    if found is None:
        reason = "openssl executable not found on PATH; interop checks need a real OpenSSL"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI=true: install openssl, this is not skippable in CI)")
        pytest.skip(reason)
    return Path(found)
