"""ssl.SSLContext.load_dh_params on the tls12 context: RFC 7919 groups are served, others are
refused with SSLError (a real ssl client checks the group it got)."""

from __future__ import annotations

import ssl
import subprocess
from pathlib import Path

import pytest
from pki_fixtures import PKI
from test_compat_resumption import _pump

import tls

VECTORS = Path(__file__).resolve().parent.parent / "vectors" / "ffdhe"


def _dhe_pair(pki: PKI, params: Path) -> tuple[ssl.SSLObject, tls.compat.TLSObject]:
    sctx = tls.SSLContext(tls.PROTOCOL_TLS_SERVER)
    sctx.load_cert_chain(pki.server_rsa.chain_path, pki.server_rsa.key_path)
    sctx.set_ciphers("DHE-RSA-AES128-GCM-SHA256")
    sctx.load_dh_params(str(params))
    cctx = ssl.create_default_context(cafile=str(pki.ca_path))  # OpenSSL's client
    cctx.maximum_version = ssl.TLSVersion.TLSv1_2
    cctx.set_ciphers("DHE-RSA-AES128-GCM-SHA256")
    c_bios = (ssl.MemoryBIO(), ssl.MemoryBIO())
    s_bios = (ssl.MemoryBIO(), ssl.MemoryBIO())
    client = cctx.wrap_bio(*c_bios, server_hostname="localhost")
    server = sctx.wrap_bio(*s_bios, server_side=True)
    _pump(client, c_bios, server, s_bios)
    return client, server


@pytest.mark.parametrize("name", ["ffdhe3072", "ffdhe4096"])
def test_rfc7919_params_choose_the_dhe_group(pki, name):
    client, server = _dhe_pair(pki, VECTORS / f"{name}.pem")
    assert client.cipher()[0] == "DHE-RSA-AES128-GCM-SHA256"
    info = server.tls12_connection.info
    assert info.group is not None and info.group.name == name


def test_other_dh_params_are_refused(pki, openssl_bin, tmp_path):
    path = tmp_path / "modp2048.pem"
    subprocess.run(
        [
            str(openssl_bin),
            "genpkey",
            "-genparam",
            "-algorithm",
            "DH",
            "-pkeyopt",
            "group:modp_2048",
            "-out",
            str(path),
        ],
        check=True,
        capture_output=True,
    )
    ctx = tls.SSLContext(tls.PROTOCOL_TLS_SERVER)
    with pytest.raises(ssl.SSLError, match="not one of RFC 7919"):
        ctx.load_dh_params(str(path))
    with pytest.raises(ssl.SSLError, match="no DH parameters"):
        ctx.load_dh_params(str(pki.ca_path))
    with pytest.raises(FileNotFoundError):
        ctx.load_dh_params(str(tmp_path / "missing.pem"))
