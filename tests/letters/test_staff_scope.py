"""Staff roles per administration (issue 11 item 4): a dispatcher sees, exports and marks only
the letters of the administrations where they hold the role; `restrict` is the one place that
says so; the migration carries the old `accounts.roles` into `staff_roles`."""

from __future__ import annotations

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import inspect, select, text, update

from servicekonto.clock import FixedClock
from servicekonto.db.migrate import alembic_config
from servicekonto.db.models import Account, Administration, Letter, StaffRole
from servicekonto.db.scoping import restrict
from servicekonto.letters import service
from servicekonto.letters.store import save_pdf
from servicekonto.oidc.provider import Provider
from servicekonto.settings import Settings
from servicekonto.staff.service import LETTER_DISPATCH, grant, has_role, roles_of
from tests.letters.conftest import queue
from tests.letters.test_dispatch_access import (
    VIEW,
    _pdf,
    administration,
    enrol_totp,
    enter_code,
    log_in,
    make_staff,
)
from tests.support import Browser, account_id_of, make_account


def letter_of(provider: Provider, slug: str) -> str:
    """A queued letter (with its PDF) of the administration `slug`."""
    queued = queue(provider, account_id_of(provider, make_account(provider)))
    with provider.sessions() as db:
        db.execute(update(Letter).where(Letter.id == queued.letter_id)
                   .values(administration_slug=slug))
        save_pdf(db, letter_id=queued.letter_id, pdf=_pdf(), now=provider.clock.now())
        db.commit()
    return queued.letter_id


def two_administrations(provider: Provider) -> tuple[str, str, str]:
    """A dispatcher of vg-zell; one queued letter each of vg-zell and vg-ulmen."""
    _email, staff_id = make_staff(provider, "vg-zell")
    administration(provider, "vg-ulmen", "Verbandsgemeinde Ulmen")
    return staff_id, letter_of(provider, "vg-zell"), letter_of(provider, "vg-ulmen")


def test_restrict_scopes_a_select_to_the_staff_members_administrations(
    provider: Provider,
) -> None:
    staff_id, zell, ulmen = two_administrations(provider)
    with provider.sessions() as db:
        mine = db.scalars(restrict(select(Letter.id), staff=staff_id, role=LETTER_DISPATCH))
        other_role = db.scalars(restrict(select(Letter.id), staff=staff_id, role="other"))
        assert list(mine) == [zell]
        assert list(other_role) == []
        assert ulmen not in [s.letter_id for s in service.list_queued(db, staff=staff_id)]
        assert {s.letter_id for s in service.list_queued(db)} == {zell, ulmen}


def test_restrict_refuses_a_table_of_no_administration(provider: Provider) -> None:
    with pytest.raises(TypeError):
        restrict(select(Account), staff="x", role=LETTER_DISPATCH)


def test_staff_of_one_administration_mark_only_its_letters_dispatched(
    provider: Provider,
) -> None:
    staff_id, zell, ulmen = two_administrations(provider)
    with provider.sessions() as db:
        moved = service.mark_dispatched(db, letter_ids=[zell, ulmen], now=provider.clock.now(),
                                        staff=staff_id)
        db.commit()
        assert moved == 1
        assert db.get(Letter, ulmen).status == "queued"  # type: ignore[union-attr]
        assert db.get(Letter, zell).status == "dispatched"  # type: ignore[union-attr]


def test_the_dispatch_view_shows_and_exports_only_letters_of_the_staffs_administration(
    app_client: TestClient, provider: Provider, browser: Browser, clock: FixedClock
) -> None:
    email, staff_id = make_staff(provider, "vg-zell")
    administration(provider, "vg-ulmen", "Verbandsgemeinde Ulmen")
    zell, ulmen = letter_of(provider, "vg-zell"), letter_of(provider, "vg-ulmen")
    secret = enrol_totp(app_client, provider, clock, staff_id)
    log_in(browser, email)
    enter_code(browser, secret, clock)

    view = browser.get(VIEW)
    assert view.status_code == 200
    assert zell in view.text and ulmen not in view.text
    assert "Verbandsgemeinde Ulmen" not in view.text

    other = browser.post_form(f"{VIEW}/export", [("letter_ids", ulmen)], view)
    assert other.status_code == 404
    assert not other.content.startswith(b"%PDF")
    everything = browser.post_form(f"{VIEW}/export", [], view)
    assert everything.status_code == 200
    assert everything.headers["content-type"] == "application/pdf"

    browser.post_form(f"{VIEW}/dispatch", [("letter_ids", zell), ("letter_ids", ulmen)], view)
    with provider.sessions() as db:
        assert db.get(Letter, ulmen).status == "queued"  # type: ignore[union-attr]
        assert db.get(Letter, zell).status == "dispatched"  # type: ignore[union-attr]


def test_a_role_is_granted_once_and_for_a_known_administration_only(
    provider: Provider,
) -> None:
    _email, staff_id = make_staff(provider, "vg-zell")
    with provider.sessions() as db:
        grant(db, account_id=staff_id, administration_slug="vg-zell", role=LETTER_DISPATCH)
        assert roles_of(db, account_id=staff_id) == [("vg-zell", LETTER_DISPATCH)]
        assert has_role(db, account_id=staff_id, role=LETTER_DISPATCH)
        assert not has_role(db, account_id=staff_id, role="registration_officer")
        from servicekonto.errors import NotFound

        with pytest.raises(NotFound):
            grant(db, account_id=staff_id, administration_slug="vg-nirgendwo", role="x")


@pytest.mark.postgres
def test_migration_carries_account_roles_into_staff_roles_for_every_administration(
    provider: Provider, settings: Settings
) -> None:
    """Before 0010 a role applied to every letter, so it is granted for every administration;
    the downgrade puts it back into the column."""
    administration(provider, "vg-zell")
    administration(provider, "vg-ulmen")
    staff_id = account_id_of(provider, make_account(provider))
    citizen_id = account_id_of(provider, make_account(provider))
    config = alembic_config(settings.sqlalchemy_url)
    command.downgrade(config, "0009")
    with provider.sessions() as db:
        db.execute(text("UPDATE accounts SET roles = :r WHERE id = :i"),
                   {"r": '["letter_dispatch"]', "i": staff_id})
        db.commit()

    command.upgrade(config, "head")

    with provider.sessions() as db:
        assert "roles" not in {c["name"] for c in inspect(db.get_bind()).get_columns("accounts")}
        assert roles_of(db, account_id=staff_id) == [
            ("vg-ulmen", LETTER_DISPATCH), ("vg-zell", LETTER_DISPATCH)]
        assert roles_of(db, account_id=citizen_id) == []
        assert db.get(Account, citizen_id) is not None  # recreating `accounts` kept every row
    command.downgrade(config, "0009")
    with provider.sessions() as db:
        roles = dict(db.execute(text("SELECT id, roles FROM accounts")).all())
        assert roles[citizen_id] in ("[]", [])
        assert roles[staff_id] in ('["letter_dispatch"]', ["letter_dispatch"])
    command.upgrade(config, "head")
    with provider.sessions() as db:
        assert db.scalar(select(StaffRole.id).where(StaffRole.account_id == staff_id))
        assert db.scalar(select(Administration.id).where(Administration.slug == "vg-zell"))
