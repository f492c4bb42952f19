"""RFC 5705 keying material exporter on the connection, checked against a real OpenSSL peer
(``openssl s_server -keymatexport`` prints the value it derives) and across our own pair."""

from __future__ import annotations

import re

import pytest
from memory_pair import Pair, client_config, server_config
from openssl_peer import SServer

from tls import ClientConfig, TLSError, connect

LABEL = "EXPERIMENTAL-tls12"


@pytest.mark.interop
@pytest.mark.parametrize("cipher", ["ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384"])
def test_exporter_matches_openssl_s_server(pki, openssl_bin, cipher):
    server = SServer.start(
        openssl_bin,
        [
            "-cert",
            pki.server_rsa.chain_path,
            "-key",
            pki.server_rsa.key_path,
            "-keymatexport",
            LABEL,
            "-keymatexportlen",
            "48",
            "-cipher",
            cipher,
        ],
    )
    try:
        cfg = ClientConfig.create(cafile=pki.ca_path)
        with connect("localhost", server.port, cfg) as s:
            ours = s.conn.export_keying_material(LABEL, 48)
            s.sendall(b"done\n")
            server.wait_for("done")
        m = re.search(r"Keying material: ([0-9A-F]+)", server.log())
        assert m is not None, server.log()
        assert bytes.fromhex(m.group(1)) == ours
    finally:
        server.stop()


def test_exporter_agrees_between_client_and_server_and_depends_on_context():
    pair = Pair(client_config(), server_config()).handshake()
    c, s = pair.client, pair.server
    assert c.export_keying_material(LABEL, 32) == s.export_keying_material(LABEL, 32)
    assert c.export_keying_material(LABEL, 32, b"") != c.export_keying_material(LABEL, 32)
    assert c.export_keying_material(LABEL, 32, b"ctx") == s.export_keying_material(
        LABEL, 32, b"ctx"
    )
    with pytest.raises(TLSError, match="reserved"):
        c.export_keying_material("master secret", 32)


def test_exporter_needs_a_finished_handshake():
    pair = Pair(client_config(), server_config())
    with pytest.raises(TLSError, match="after the handshake"):
        pair.client.export_keying_material(LABEL, 32)
