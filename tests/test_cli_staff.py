"""`servicekonto staff add|remove|list` and `administrations list|four-eyes` (DESIGN §9, issue 12
item 3): roles per administration managed by the operator, audited with ids only; bad input is
one line and exit code 2 with nothing written; a staff account the command creates logs in with
its one-time password and its bound authenticator app and opens its staff view.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner, Result

from servicekonto.accounts.means import KIND_TOTP, TOTP_SEALING_PURPOSE
from servicekonto.cli import app
from servicekonto.clock import FixedClock
from servicekonto.db.models import Account, Administration, AuditEvent, LoginMeans, StaffRole
from servicekonto.security.sealing import Sealer
from servicekonto.settings import Settings
from servicekonto.staff.service import roles_of
from tests.companies.factories import person, seed_region
from tests.letters.test_dispatch_access import enter_code
from tests.support import FAST_ARGON2, FAST_HASHING, Browser

ROOT = Path(__file__).resolve().parents[1]
Cli = Callable[..., Result]
NEW = "neue.kollegin@vg-zell.example"


@pytest.fixture
def cli_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    """The environment the operator's shell has: this test's database, dev mode."""
    return {
        "SERVICEKONTO_DEV_MODE": "1",
        "SERVICEKONTO_DATA_DIR": str(tmp_path),
        "SERVICEKONTO_DATABASE_URL": database_url,
        "SERVICEKONTO_ARGON2_MEMORY_KIB": str(FAST_ARGON2["argon2_memory_kib"]),
        "SERVICEKONTO_ARGON2_TIME_COST": str(FAST_ARGON2["argon2_time_cost"]),
    }


@pytest.fixture
def cli(
    cli_env: dict[str, str], sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> Iterator[Cli]:
    """`servicekonto …` in-process on the demo region (typer's runner)."""
    for name in list(os.environ):
        if name.startswith("SERVICEKONTO_"):
            monkeypatch.delenv(name)
    for name, value in cli_env.items():
        monkeypatch.setenv(name, value)
    seed_region(sessions)
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(app, list(args))

    yield run


def _json(result: Result) -> Any:
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return json.loads(result.stdout)


def _audit(sessions: sessionmaker[Session]) -> list[AuditEvent]:
    with sessions() as db:
        rows = list(db.scalars(select(AuditEvent).order_by(AuditEvent.id)))
        db.expunge_all()
        return rows


def _counts(sessions: sessionmaker[Session]) -> tuple[int, ...]:
    with sessions() as db:
        return tuple(
            int(db.scalar(select(func.count()).select_from(model)) or 0)
            for model in (Account, StaffRole, LoginMeans, AuditEvent)
        )


def _secret(text: str) -> bytes:
    return base64.b32decode(text + "=" * (-len(text) % 8))


def test_staff_add_creates_the_account_with_a_one_time_password_and_a_bound_app(
    cli: Cli, sessions: sessionmaker[Session], settings: Settings
) -> None:
    shown = _json(cli("staff", "add", "--email", "Neue.Kollegin@VG-Zell.example",
                      "--administration", "vg-zell", "--role", "registration_officer", "--json"))

    assert shown["email"] == NEW and shown["created_account"] and shown["granted"]
    assert shown["bound_second_factor"] is True
    assert len(shown["password"]) >= 20
    assert shown["totp_uri"].startswith("otpauth://totp/ServiceKonto:")
    with sessions() as db:
        account = db.scalars(select(Account).where(Account.email == NEW)).one()
        assert account.email_verified
        assert roles_of(db, account_id=account.id) == [("vg-zell", "registration_officer")]
        assert account.password_hash and account.password_hash.startswith("$argon2id$")
        assert FAST_HASHING.verify(account.password_hash, shown["password"])[0]
        app_ = db.scalars(select(LoginMeans).where(LoginMeans.account_id == account.id)).one()
        assert (app_.kind, app_.state) == (KIND_TOTP, "active") and app_.bound_at is not None
        sealer = Sealer(settings.secret_key, TOTP_SEALING_PURPOSE)
        assert app_.secret_sealed is not None
        assert sealer.open(app_.secret_sealed, aad=app_.id) == _secret(shown["totp_secret"])
        assert shown["totp_secret"] not in app_.secret_sealed  # sealed, not in clear
        account_id = account.id
    events = _audit(sessions)
    assert [(e.event, e.actor, e.subject) for e in events] == [
        ("staff.account_created", "system:cli", f"account:{account_id}"),
        ("staff.role_granted", "system:cli", f"account:{account_id}"),
    ]
    assert events[1].details["role"] == "registration_officer"
    for event in events:  # ids only: neither the address nor a secret
        text = json.dumps([event.actor, event.subject, event.details])
        assert NEW not in text and shown["password"] not in text


def test_staff_add_prints_the_password_and_secret_once_and_a_repeat_changes_nothing(
    cli: Cli, sessions: sessionmaker[Session]
) -> None:
    first = cli("staff", "add", "--email", NEW, "--administration", "vg-zell",
                "--role", "letter_dispatch")
    assert first.exit_code == 0, first.stderr
    assert "password:" in first.stdout and "TOTP secret:" in first.stdout
    before = _counts(sessions)

    again = _json(cli("staff", "add", "--email", NEW, "--administration", "vg-zell",
                      "--role", "letter_dispatch", "--json"))

    assert again["created_account"] is False and again["granted"] is False
    assert again["password"] is None and again["totp_secret"] is None
    assert _counts(sessions) == before, "a repeated grant wrote something"
    text = cli("staff", "add", "--email", NEW, "--administration", "vg-zell",
               "--role", "letter_dispatch")
    assert "nothing changed" in text.stdout and "password" not in text.stdout


def test_staff_add_to_an_existing_account_grants_only_and_says_it_lacks_a_second_factor(
    cli: Cli, sessions: sessionmaker[Session], clock: FixedClock
) -> None:
    account_id = person(sessions, clock.now(), email="buerger@example.org")
    with sessions() as db:
        hash_before = db.get(Account, account_id).password_hash  # type: ignore[union-attr]

    result = cli("staff", "add", "--email", "buerger@example.org", "--administration",
                 "vg-cochem", "--role", "registration_supervisor", "--json")

    shown = _json(result)
    assert shown["created_account"] is False and shown["granted"] is True
    assert shown["password"] is None and shown["bound_second_factor"] is False
    assert "no bound second factor" in result.stderr
    with sessions() as db:
        assert roles_of(db, account_id=account_id) == [("vg-cochem", "registration_supervisor")]
        assert db.get(Account, account_id).password_hash == hash_before  # type: ignore[union-attr]
        assert db.scalar(select(func.count()).select_from(LoginMeans)) == 0
    assert [e.event for e in _audit(sessions)] == ["staff.role_granted"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--administration", "vg-zell", "--role", "boss"], "unknown role 'boss'"),
        (["--administration", "vg-nirgendwo", "--role", "registration_officer"],
         "no administration 'vg-nirgendwo'"),
    ],
)
def test_staff_add_refuses_an_unknown_role_or_administration_in_one_line(
    cli: Cli, sessions: sessionmaker[Session], args: list[str], message: str
) -> None:
    before = _counts(sessions)

    result = cli("staff", "add", "--email", NEW, *args)

    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr
    assert "nothing was changed" in result.stderr
    assert result.stdout == ""
    assert _counts(sessions) == before


def test_staff_add_refuses_a_malformed_address(cli: Cli, sessions: sessionmaker[Session]) -> None:
    result = cli("staff", "add", "--email", "keine-adresse", "--administration", "vg-zell",
                 "--role", "registration_officer")

    assert result.exit_code == 2 and "not an e-mail address" in result.stderr
    assert _counts(sessions) == (0, 0, 0, 0)


def test_staff_list_shows_every_role_and_filters_by_administration(cli: Cli) -> None:
    for slug, role in (("vg-zell", "registration_officer"), ("vg-zell", "administration_admin"),
                       ("vg-ulmen", "registration_officer")):
        assert cli("staff", "add", "--email", NEW, "--administration", slug,
                   "--role", role).exit_code == 0

    every = _json(cli("staff", "list", "--json"))
    zell = _json(cli("staff", "list", "--administration", "vg-zell", "--json"))
    unknown = cli("staff", "list", "--administration", "vg-nirgendwo")

    assert [(r["administration"], r["role"], r["email"]) for r in every] == [
        ("vg-ulmen", "registration_officer", NEW),
        ("vg-zell", "administration_admin", NEW),
        ("vg-zell", "registration_officer", NEW),
    ]
    assert {r["administration"] for r in zell} == {"vg-zell"} and len(zell) == 2
    assert unknown.exit_code == 2 and "no administration 'vg-nirgendwo'" in unknown.stderr
    lines = cli("staff", "list").stdout.splitlines()
    assert len(lines) == 3 and lines[0].split() == ["vg-ulmen", "registration_officer", NEW]


def test_staff_remove_takes_one_role_or_all_and_keeps_the_account(
    cli: Cli, sessions: sessionmaker[Session]
) -> None:
    for role in ("registration_officer", "registration_supervisor", "administration_admin"):
        cli("staff", "add", "--email", NEW, "--administration", "vg-zell", "--role", role)
    cli("staff", "add", "--email", NEW, "--administration", "vg-ulmen",
        "--role", "registration_officer")

    one = _json(cli("staff", "remove", "--email", NEW, "--administration", "vg-zell",
                    "--role", "administration_admin", "--json"))
    rest = _json(cli("staff", "remove", "--email", NEW, "--administration", "vg-zell", "--json"))
    again = cli("staff", "remove", "--email", NEW, "--administration", "vg-zell")

    assert one["roles"] == ["administration_admin"]
    assert sorted(rest["roles"]) == ["registration_officer", "registration_supervisor"]
    assert again.exit_code == 0 and "nothing changed" in again.stdout
    with sessions() as db:
        account_id = db.scalars(select(Account.id).where(Account.email == NEW)).one()
        assert roles_of(db, account_id=account_id) == [("vg-ulmen", "registration_officer")]
    revoked = [e for e in _audit(sessions) if e.event == "staff.role_revoked"]
    assert len(revoked) == 3
    assert {e.subject for e in revoked} == {f"account:{account_id}"}


def test_staff_remove_refuses_an_unknown_account_role_or_administration(
    cli: Cli, sessions: sessionmaker[Session]
) -> None:
    cli("staff", "add", "--email", NEW, "--administration", "vg-zell", "--role",
        "registration_officer")
    before = _counts(sessions)

    for args, message in (
        (["--email", "niemand@example.org", "--administration", "vg-zell"],
         "no account with this e-mail address"),
        (["--email", NEW, "--administration", "vg-zell", "--role", "boss"], "unknown role"),
        (["--email", NEW, "--administration", "vg-nirgendwo"], "no administration"),
    ):
        result = cli("staff", "remove", *args)
        assert result.exit_code == 2 and message in result.stderr, args
    assert _counts(sessions) == before


def test_four_eyes_switch_is_audited_once_and_refuses_bad_input(
    cli: Cli, sessions: sessionmaker[Session]
) -> None:
    on = cli("administrations", "four-eyes", "vg-zell", "on")
    again = cli("administrations", "four-eyes", "vg-zell", "on")
    maybe = cli("administrations", "four-eyes", "vg-zell", "vielleicht")
    nowhere = cli("administrations", "four-eyes", "vg-nirgendwo", "on")

    assert on.exit_code == 0 and "four-eyes on for vg-zell" in on.stdout
    assert again.exit_code == 0 and "already on" in again.stdout
    assert maybe.exit_code == 2 and "on or off" in maybe.stderr
    assert nowhere.exit_code == 2 and "no administration 'vg-nirgendwo'" in nowhere.stderr
    listed = {row["slug"]: row for row in _json(cli("administrations", "list", "--json"))}
    assert listed["vg-zell"]["four_eyes"] is True and listed["vg-ulmen"]["four_eyes"] is False
    assert listed["vg-zell"]["parent"] == "kv-cochem-zell"
    with sessions() as db:
        zell = db.scalars(select(Administration).where(Administration.slug == "vg-zell")).one()
    events = [(e.event, e.actor, e.subject, e.details) for e in _audit(sessions)]
    assert events == [("administration.four_eyes_changed", "system:cli",
                       f"administration:{zell.id}", {"enabled": True})]

    off = cli("administrations", "four-eyes", "vg-zell", "off")
    assert off.exit_code == 0
    with sessions() as db:
        assert db.scalar(select(Administration.four_eyes)
                         .where(Administration.slug == "vg-zell")) is False


def test_a_created_staff_account_logs_in_with_its_password_and_app_and_opens_its_view(
    cli: Cli, browser: Browser, clock: FixedClock
) -> None:
    shown = _json(cli("staff", "add", "--email", NEW, "--administration", "vg-zell",
                      "--role", "letter_dispatch", "--json"))

    login = browser.post_form("/login", {"username": NEW, "password": shown["password"]},
                              browser.get("/login"))
    assert login.status_code == 303
    assert browser.get("/staff/letters").status_code == 403  # the password alone is not enough
    entered = enter_code(browser, _secret(shown["totp_secret"]), clock)
    assert entered.status_code == 303
    view = browser.get("/staff/letters")
    assert view.status_code == 200
    assert "<h1>Briefversand</h1>" in view.text and "Kein Zugriff" not in view.text


def test_the_documented_command_line_works_as_a_process(
    cli_env: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    seed_region(sessions)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SERVICEKONTO_")} | cli_env

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "servicekonto.cli", *args], cwd=ROOT,
                              env=env, capture_output=True, text=True, timeout=120)

    added = run("staff", "add", "--email", NEW, "--administration", "vg-zell",
                "--role", "registration_officer")
    refused = run("staff", "add", "--email", NEW, "--administration", "vg-zell",
                  "--role", "registration_boss")

    assert added.returncode == 0, added.stderr
    assert f"granted registration_officer at vg-zell to {NEW}" in added.stdout
    assert refused.returncode == 2 and refused.stderr.startswith("error: unknown role")
