"""Enrolment and sync over HTTPS with a deployment CA made here; a certificate from another CA is refused."""

from __future__ import annotations

import ipaddress
import ssl
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from sync.protocol import seal
from sync.server.admin import Admin
from sync.server.commands import stamp
from tests.postgres import _free_port
from tests.sync.conftest import V1


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def make_ca(common: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common))
        .issuer_name(_name(common))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    return key, cert


def make_leaf(ca_key: ec.EllipticCurvePrivateKey, ca: x509.Certificate) -> tuple[bytes, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("waymark-test-server"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem_key = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return cert.public_bytes(serialization.Encoding.PEM), pem_key


def pinned(ca: x509.Certificate) -> ssl.SSLContext:
    """What the client does at enrolment: trust only the deployment's CA."""
    context = ssl.create_default_context(cadata=ca.public_bytes(serialization.Encoding.PEM).decode())
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def test_enrol_and_sync_over_https_and_refuse_a_stranger_certificate(tmp_path: Path) -> None:
    ca_key, ca = make_ca("Waymark test deployment CA")
    _other_key, other_ca = make_ca("Somebody else's CA")
    cert_pem, key_pem = make_leaf(ca_key, ca)
    (tmp_path / "server.pem").write_bytes(cert_pem)
    (tmp_path / "server.key").write_bytes(key_pem)
    url = f"sqlite:///{tmp_path / 'server.db'}"
    with Admin(url) as admin:
        admin.create_organisation("TLS organisation")
        admin.create_team("East", "east", "england")
        admin.create_user("alice", "Alice", "worker", "east")
        person = uuid.uuid4()
        (tmp_path / "p.jsonl").write_text(f'{{"id": "{person}", "team": "east", "details": {{}}}}\n')
        admin.import_persons(tmp_path / "p.jsonl")
        admin.assign("alice", person)
        code = admin.enrol_code("alice")
    port = _free_port()
    log = tmp_path / "server.log"
    with log.open("wb") as handle:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sync.server.cli",
                "serve",
                "--db",
                url,
                "--port",
                str(port),
                "--tls-cert",
                str(tmp_path / "server.pem"),
                "--tls-key",
                str(tmp_path / "server.key"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=handle,
        )
    base = f"https://127.0.0.1:{port}{V1}"
    try:
        with httpx.Client(verify=pinned(ca), timeout=5) as client:
            deadline = time.monotonic() + 30
            while True:
                assert server.poll() is None, log.read_text()
                try:
                    client.get(f"{base}/health")
                    break
                except httpx.ConnectError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
            enrolled = client.post(f"{base}/enrol", json={"code": code, "device_name": "l", "app_version": "0.1"})
            assert enrolled.status_code == 200
            body = enrolled.json()
            record = seal(
                {
                    "record_id": str(uuid.uuid4()),
                    "record_type": "contact_note",
                    "schema_version": 1,
                    "person_id": str(person),
                    "author_id": body["user_id"],
                    "device_id": body["device_id"],
                    "authored_at": stamp(datetime.now(UTC)),
                    "refers_to": None,
                    "payload": {},
                },
                1,
            )
            headers = {"Authorization": f"Bearer {body['token']}"}
            pushed = client.post(
                f"{base}/push", headers=headers, json={"server_epoch": None, "resync": False, "items": [record]}
            )
            assert pushed.json()["results"][0]["status"] == "accepted"
            assert len(client.get(f"{base}/pull", headers=headers).json()["changes"]) == 1
        with (
            httpx.Client(verify=pinned(other_ca), timeout=5) as stranger,
            pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY"),
        ):
            stranger.get(f"{base}/health")
        with httpx.Client(timeout=5) as plain, pytest.raises(httpx.HTTPError):
            plain.get(f"http://127.0.0.1:{port}{V1}/health")
    finally:
        server.terminate()
        server.wait(timeout=10)
