"""SERVICEKONTO_SMTP_URL and friends are checked at start (DESIGN §6 #7); the relay password
never shows in a repr, an error or a log line (DESIGN §6 #12)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from servicekonto.errors import ConfigurationError
from servicekonto.mail.eml import EmlDirectory
from servicekonto.mail.service import mail_transport
from servicekonto.mail.smtp import SmtpTransport
from servicekonto.settings import DEFAULT_MAIL_FROM, Settings, SmtpRelay

GOOD_SECRET = "Vq3mK8xT2pL9wR4nZ7bC1dF6gH0jS5aE8uY2iO4k"
PASSWORD = "Pferd:Batterie@Heftklammer/42"
ENCODED = "Pferd%3ABatterie%40Heftklammer%2F42"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("SERVICEKONTO_"):
            monkeypatch.delenv(name)


def production(**values: object) -> Settings:
    return Settings(issuer="https://id.cochem-zell.example", secret_key=GOOD_SECRET,
                    **values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (f"smtp://relay%40kreis:{ENCODED}@mail.kreis.example:587",
         SmtpRelay("mail.kreis.example", 587, "starttls", "relay@kreis", PASSWORD)),
        ("smtp://mail.kreis.example", SmtpRelay("mail.kreis.example", 587, "starttls")),
        ("smtp://mail.kreis.example:25?starttls=on",
         SmtpRelay("mail.kreis.example", 25, "starttls")),
        (f"smtps://relay:{ENCODED}@mail.kreis.example",
         SmtpRelay("mail.kreis.example", 465, "implicit", "relay", PASSWORD)),
        ("SMTPS://[2001:db8::25]:4650", SmtpRelay("2001:db8::25", 4650, "implicit")),
    ],
)
def test_url_forms_outside_dev_mode(url: str, expected: SmtpRelay) -> None:
    settings = production(smtp_url=url)
    assert settings.smtp_relay == expected
    assert expected.password == settings.smtp_relay.password  # type: ignore[union-attr]


CREDENTIALS = f"relay:{ENCODED}@"


@pytest.mark.parametrize(
    "url",
    [
        f"smtp://{CREDENTIALS}mail.kreis.example:25?starttls=off",  # plain text: dev mode only
        f"smtps://{CREDENTIALS}mail.kreis.example?starttls=off",
        f"http://{CREDENTIALS}mail.kreis.example",
        f"{CREDENTIALS}mail.kreis.example:587",
        f"smtp://{CREDENTIALS}:587",
        f"smtp://{CREDENTIALS}mail.kreis.example:99999",
        f"smtp://{CREDENTIALS}mail.kreis.example/path",
        f"smtp://{CREDENTIALS}mail.kreis.example?tls=no",
        "smtp://relay@mail.kreis.example",
        f"smtp://:{ENCODED}@mail.kreis.example",
    ],
)
def test_refused_urls_never_echo_the_password(url: str) -> None:
    with pytest.raises(ConfigurationError) as refused:
        production(smtp_url=url)
    message = str(refused.value)
    assert "SERVICEKONTO_SMTP_URL" in message
    assert ENCODED not in message and PASSWORD not in message and "Pferd" not in message


def test_plain_smtp_only_in_dev_mode() -> None:
    url = "smtp://127.0.0.1:25?starttls=off"
    assert Settings(dev_mode=True, smtp_url=url).smtp_relay == SmtpRelay("127.0.0.1", 25, "off")
    with pytest.raises(ConfigurationError, match="dev mode"):
        production(smtp_url=url)


def test_the_password_is_in_no_repr() -> None:
    settings = production(smtp_url=f"smtp://relay:{ENCODED}@mail.kreis.example")
    relay = settings.smtp_relay
    assert relay is not None
    transport = mail_transport(settings)
    shown = " ".join([repr(settings), str(settings), repr(relay), relay.masked, repr(transport)])
    assert PASSWORD not in shown and ENCODED not in shown
    assert GOOD_SECRET not in shown  # nor the server secret
    assert relay.masked == "smtp://relay:***@mail.kreis.example:587"


def test_without_url_the_eml_directory_with_url_smtp(tmp_path: Path) -> None:
    assert isinstance(mail_transport(Settings(dev_mode=True, data_dir=tmp_path)), EmlDirectory)
    transport = mail_transport(production(
        smtp_url="smtps://mail.kreis.example", smtp_connect_timeout_seconds=3,
        smtp_timeout_seconds=7,
    ))
    assert isinstance(transport, SmtpTransport)
    assert (transport.connect_timeout, transport.timeout) == (3, 7)
    assert transport.local_hostname == "id.cochem-zell.example"  # EHLO name from the issuer
    assert transport.lease_seconds > transport.deadline_seconds >= 3 + 7


def test_ca_file_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="SMTP_CA_FILE"):
        production(smtp_url="smtps://mail.kreis.example", smtp_ca_file=tmp_path / "missing.pem")


@pytest.mark.parametrize(
    "sender", ["", "ServiceKonto", "ServiceKonto <@kreis.example>",
               "a@kreis.example\r\nBcc: b@example.org"],
)
def test_mail_from_must_be_one_address(sender: str) -> None:
    with pytest.raises(ConfigurationError, match="MAIL_FROM"):
        Settings(dev_mode=True, mail_from=sender)


def test_mail_from_default_and_override() -> None:
    assert Settings(dev_mode=True).mail_from == DEFAULT_MAIL_FROM
    sender = "Kreisverwaltung Cochem-Zell <servicekonto@cochem-zell.example>"
    assert production(mail_from=sender).mail_from == sender


def test_timeouts_must_be_positive() -> None:
    with pytest.raises(ValueError):
        Settings(dev_mode=True, smtp_timeout_seconds=0)
