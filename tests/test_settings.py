"""Settings are validated at start (DESIGN §6 #7) and documented (DESIGN §9)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from servicekonto.errors import ConfigurationError
from servicekonto.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
GOOD_SECRET = "Vq3mK8xT2pL9wR4nZ7bC1dF6gH0jS5aE8uY2iO4k"  # 40 characters
REFUSED = (ConfigurationError, ValidationError)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tests decide every value; nothing leaks in from the developer's shell or CI."""
    for name in list(os.environ):
        if name.startswith("SERVICEKONTO_"):
            monkeypatch.delenv(name)


def production(**overrides: object) -> Settings:
    values: dict[str, object] = {"issuer": "https://id.cochem-zell.example", **overrides}
    return Settings(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "secret",
    ["", "change-me", "changeme", "secret", "dev-secret-key-not-for-production", "0123456789"],
)
def test_outside_dev_mode_placeholder_or_short_secrets_are_refused(secret: str) -> None:
    with pytest.raises(REFUSED):
        production(secret_key=secret)


def test_outside_dev_mode_a_missing_secret_is_refused() -> None:
    with pytest.raises(REFUSED):
        Settings(issuer="https://id.cochem-zell.example")


def test_outside_dev_mode_a_31_character_secret_is_refused() -> None:
    with pytest.raises(REFUSED):
        production(secret_key=GOOD_SECRET[:31])


@pytest.mark.parametrize(
    "issuer", ["http://id.cochem-zell.example", "http://127.0.0.1:8000", "ftp://x.example"]
)
def test_outside_dev_mode_a_non_https_issuer_is_refused(issuer: str) -> None:
    with pytest.raises(REFUSED):
        Settings(issuer=issuer, secret_key=GOOD_SECRET)


def test_outside_dev_mode_the_default_issuer_is_refused() -> None:
    """The default issuer is http, so production must set SERVICEKONTO_ISSUER."""
    with pytest.raises(REFUSED):
        Settings(secret_key=GOOD_SECRET)


def test_https_issuer_and_a_40_character_secret_are_accepted() -> None:
    settings = production(secret_key=GOOD_SECRET)
    assert settings.issuer == "https://id.cochem-zell.example"
    assert settings.secret_key == GOOD_SECRET
    assert settings.dev_mode is False
    assert settings.secure_cookies is True


def test_dev_mode_allows_http_and_fills_the_dev_secret() -> None:
    settings = Settings(dev_mode=True, issuer="http://127.0.0.1:8000")
    assert settings.issuer == "http://127.0.0.1:8000"
    assert settings.secret_key  # a dev secret is filled in
    assert settings.secure_cookies is False


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://id.cochem-zell.example/", "https://id.cochem-zell.example"),
        ("https://id.cochem-zell.example/realm/", "https://id.cochem-zell.example/realm"),
    ],
)
def test_issuer_trailing_slash_is_stripped(given: str, expected: str) -> None:
    assert production(issuer=given, secret_key=GOOD_SECRET).issuer == expected
    assert Settings(dev_mode=True, issuer=given).issuer == expected


@pytest.mark.parametrize(
    "issuer",
    ["https://id.example/?tenant=1", "https://id.example/#x", "https:///nohost", "id.example"],
)
def test_issuer_must_be_absolute_without_query_or_fragment(issuer: str) -> None:
    with pytest.raises(REFUSED):
        production(issuer=issuer, secret_key=GOOD_SECRET)


def test_settings_are_read_from_servicekonto_environment_variables(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SERVICEKONTO_ISSUER", "https://login.cochem-zell.example/")
    monkeypatch.setenv("SERVICEKONTO_SECRET_KEY", GOOD_SECRET)
    monkeypatch.setenv("SERVICEKONTO_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SERVICEKONTO_DATABASE_URL", "postgresql+psycopg://sk@db/sk")
    monkeypatch.setenv("SERVICEKONTO_ACCESS_TOKEN_TTL", "120")
    settings = Settings()
    assert settings.issuer == "https://login.cochem-zell.example"
    assert settings.data_dir == tmp_path
    assert settings.sqlalchemy_url == "postgresql+psycopg://sk@db/sk"
    assert settings.access_token_ttl == 120


def test_environment_without_dev_mode_and_secret_refuses_to_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SERVICEKONTO_ISSUER", "https://login.cochem-zell.example")
    with pytest.raises(REFUSED):
        Settings()
    monkeypatch.setenv("SERVICEKONTO_DEV_MODE", "1")
    assert Settings().dev_mode is True


def test_empty_database_url_means_sqlite_in_the_data_dir(tmp_path: Path) -> None:
    settings = Settings(dev_mode=True, data_dir=tmp_path)
    assert settings.sqlalchemy_url == f"sqlite:///{tmp_path / 'servicekonto.sqlite3'}"


def test_every_setting_has_a_description() -> None:
    undocumented = [
        name
        for name, field in Settings.model_fields.items()
        if not (field.description and field.description.strip())
    ]
    assert not undocumented, f"Settings fields without description: {undocumented}"


def test_readme_documents_every_servicekonto_variable() -> None:
    """DESIGN §9: every `SERVICEKONTO_*` variable is documented in the README."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    prefix = str(Settings.model_config.get("env_prefix", "SERVICEKONTO_"))
    missing = [
        f"{prefix}{name.upper()}"
        for name in Settings.model_fields
        if not re.search(rf"\b{prefix}{name.upper()}\b", readme)
    ]
    assert not missing, f"README.md does not document: {', '.join(missing)}"
