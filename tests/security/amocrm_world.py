"""The amoCRM attack bench: an attacker's HTTPS host on 127.0.0.1 that records every request
(with a certificate the test trusts, as a real attacker's would be), answering like an amoCRM
token endpoint, so nothing but rentflow's own rules stops a leak."""

from __future__ import annotations

import datetime as dt
import ipaddress
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from flask import Flask, jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.serving import make_server

SECRET = "the-real-amocrm-client-secret-0123456789abcdef-0123456789abcdef"  # what is stolen


@dataclass
class Recorder:
    """What the attacker's host received."""

    seen: list[dict[str, str]] = field(default_factory=list)
    url: str = ""  # https://127.0.0.1:<port>
    host: str = ""  # 127.0.0.1:<port>

    def carrying_secret(self) -> list[dict[str, str]]:
        return [r for r in self.seen if SECRET in r["body"] or SECRET in r["query"]]

    def app(self) -> Flask:
        app = Flask("attacker")

        @app.route("/", defaults={"path": ""}, methods=["GET", "POST", "PATCH", "DELETE"])
        @app.route("/<path:path>", methods=["GET", "POST", "PATCH", "DELETE"])
        def anything(path: str) -> ResponseReturnValue:
            self.seen.append(
                {"method": request.method, "path": f"/{path}",
                 "query": request.query_string.decode(), "body": request.get_data(as_text=True)}
            )  # fmt: skip
            return jsonify(
                token_type="Bearer", expires_in=86400, access_token="a", refresh_token="r"
            )

        return app


def _certificate(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "attacker.pem", folder / "attacker.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@contextmanager
def attacker_host(folder: Path) -> Iterator[tuple[Recorder, Path]]:
    """Serve the recorder over HTTPS on loopback; yield it and its certificate."""
    cert, key = _certificate(folder)
    recorder = Recorder()
    server = make_server(
        "127.0.0.1", 0, recorder.app(), threaded=True, ssl_context=(str(cert), str(key))
    )
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    recorder.host = f"127.0.0.1:{server.server_port}"
    recorder.url = f"https://{recorder.host}"
    try:
        yield recorder, cert
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


@pytest.fixture
def attacker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Recorder]:
    """The attacker's host, trusted by ``requests`` (as a real certificate would be)."""
    with attacker_host(tmp_path) as (recorder, cert):
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
        yield recorder
