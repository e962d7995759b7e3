"""The upload settings (README, Configuration): a clamd address is unix:///path or
tcp://host:port and nothing else; the scan is required unless the operator says otherwise."""

from __future__ import annotations

import pytest

from servicekonto.errors import ConfigurationError
from servicekonto.settings import Settings
from servicekonto.uploads.clamd import parse_url


@pytest.mark.parametrize(
    "url", ["unix:///run/clamav/clamd.ctl", "tcp://127.0.0.1:3310", "tcp://clamav.internal:3310"]
)
def test_a_clamd_address_is_a_unix_socket_or_a_tcp_port(url: str) -> None:
    assert Settings(dev_mode=True, clamd_url=url).clamd_url == url
    assert parse_url(url).target in ("/run/clamav/clamd.ctl", ("127.0.0.1", 3310),
                                     ("clamav.internal", 3310))


@pytest.mark.parametrize(
    "url",
    [
        "/run/clamav/clamd.ctl",
        "unix://run/clamav/clamd.ctl",  # "run" would be a host
        "tcp://127.0.0.1",
        "tcp://127.0.0.1:notaport",
        "http://127.0.0.1:3310",
        "tcp://127.0.0.1:3310/scan",
    ],
)
def test_anything_else_refuses_to_start(url: str) -> None:
    with pytest.raises(ConfigurationError, match="SERVICEKONTO_CLAMD_URL"):
        Settings(dev_mode=True, clamd_url=url)


def test_the_scan_is_required_by_default_and_can_be_waived(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert Settings(dev_mode=True).upload_scan_required is True
    monkeypatch.setenv("SERVICEKONTO_UPLOAD_SCAN_REQUIRED", "false")
    monkeypatch.setenv("SERVICEKONTO_BLOB_STORE", "filesystem")
    settings = Settings(dev_mode=True)
    assert settings.upload_scan_required is False and settings.blob_store == "filesystem"
    monkeypatch.setenv("SERVICEKONTO_BLOB_STORE", "s3")
    with pytest.raises(ValueError, match="blob_store"):
        Settings(dev_mode=True)
