"""Real SMTP server processes (tests/mail/smtp_server.py, aiosmtpd) and a private CA for them."""

from __future__ import annotations

import base64
import datetime as dt
import ipaddress
import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tests.conftest import PORT_ATTEMPTS, free_port

SCRIPT = Path(__file__).with_name("smtp_server.py")
STARTUP_SECONDS = 30


@dataclass(frozen=True)
class TlsFiles:
    ca: Path  # what SERVICEKONTO_SMTP_CA_FILE names
    cert: Path
    key: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    """A private CA and a relay certificate it signed for 127.0.0.1 and localhost."""
    directory = tmp_path_factory.mktemp("tls")
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(_name("ServiceKonto Test Mail CA"))
        .issuer_name(_name("ServiceKonto Test Mail CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, key_cert_sign=True, crl_sign=True,
                content_commitment=False, key_encipherment=False, data_encipherment=False,
                key_agreement=False, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("relay.test"))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    files = TlsFiles(directory / "ca.pem", directory / "relay.pem", directory / "relay.key")
    files.ca.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    files.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return files


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    mail_options: list[str]
    raw: bytes
    tls: bool
    login: str | None

    @property
    def message(self) -> EmailMessage:
        # As a mailbox stores it: the wire's CRLF become newlines.
        parsed = message_from_bytes(self.raw.replace(b"\r\n", b"\n"), policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


class SmtpProcess:
    def __init__(self, spool: Path, port: int, options: list[str]) -> None:
        self.spool = spool
        self.port = port
        self.options = options
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def log(self) -> Path:
        return self.spool / "server.log"

    def start(self, *, fixed_port: bool) -> None:
        for attempt in range(PORT_ATTEMPTS):
            if self._launch():
                return
            if fixed_port or attempt == PORT_ATTEMPTS - 1:
                break
            self.port = free_port()
        raise RuntimeError(f"SMTP test server did not start: {self.log.read_text()[-2000:]}")

    def _launch(self) -> bool:
        self.spool.mkdir(parents=True, exist_ok=True)
        (self.spool / "ready").unlink(missing_ok=True)
        with self.log.open("ab") as handle:
            self.proc = subprocess.Popen(
                [sys.executable, str(SCRIPT), "--port", str(self.port),
                 "--spool", str(self.spool), *self.options],
                stdout=handle,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if (self.spool / "ready").exists():
                return True
            if self.proc.poll() is not None:
                return False  # most likely the port was taken meanwhile
            time.sleep(0.05)
        self.stop()
        return False

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def received(self) -> list[Received]:
        records = []
        for path in sorted(self.spool.glob("*.json")):
            data: dict[str, Any] = json.loads(path.read_text())
            records.append(
                Received(
                    mail_from=data["mail_from"],
                    rcpt_tos=data["rcpt_tos"],
                    mail_options=data["mail_options"],
                    raw=base64.b64decode(data["content"]),
                    tls=data["tls"],
                    login=data["login"],
                )
            )
        return records

    def rcpt_answers(self) -> list[str]:
        path = self.spool / "rcpt.log"
        return path.read_text().split() if path.exists() else []


StartSmtp = Callable[..., SmtpProcess]


@pytest.fixture
def smtp_server(tmp_path: Path) -> Iterator[StartSmtp]:
    """`smtp_server(mode="accept", port=None, spool="relay", *extra_args)` starts a server
    process and waits until it listens; `port` given: exactly that port (a relay coming back).
    Every process is stopped after the test."""
    started: list[SmtpProcess] = []

    def start(*extra: str, mode: str = "accept", port: int | None = None,
              spool: str = "relay") -> SmtpProcess:
        process = SmtpProcess(tmp_path / spool, port or free_port(), ["--mode", mode, *extra])
        started.append(process)
        process.start(fixed_port=port is not None)
        return process

    yield start
    for process in started:
        process.stop()
