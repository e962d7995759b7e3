"""Staff pages need a *bound* second factor (issue 15 items 2 and 5; checklist A-06, K-02).

`otp` in the session's `amr` is no proof: whoever holds a staff password can enrol an app of
their own, which stays unbound (counts as `low`) yet adds `otp`. The dispatch view therefore
takes an eID session or one that used a bound app, and tells the holder of an unbound app how to
confirm it. The demo print shop's app is set up by the operator, so it is seeded bound.
"""

from __future__ import annotations

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from servicekonto.accounts.levels import TrustLevel
from servicekonto.clock import FixedClock
from servicekonto.db.models import Account, LoginMeans
from servicekonto.oidc.provider import Provider
from servicekonto.security import totp
from tests.eid_flow.test_means_binding import enrol_totp as enrol_through_pages
from tests.eid_flow.test_means_binding import fresh_browser, totp_rows
from tests.eid_flow.test_step_up_pages import through_simulator
from tests.letters.test_dispatch_access import (
    VIEW,
    enrol_totp,
    enter_code,
    exports,
    letter_for_zell,
    log_in,
    make_staff,
)
from tests.support import Browser, account_id_of, give_roles, make_account

UNBOUND_TITLE = "Authenticator-App noch nicht bestätigt"


def seed_demo(provider: Provider) -> str:
    """`servicekonto demo` into the test database (its clients want a loopback issuer); the
    print shop's account id."""
    from servicekonto.sim.demo_seed import DISPATCHER, seed

    settings = provider.settings.model_copy(update={"issuer": "http://127.0.0.1:8000"})
    with provider.sessions() as db:
        seed(db, settings=settings, hashing=provider.hashing, now=provider.clock.now())
        db.commit()
        return db.scalars(select(Account.id).where(Account.email == DISPATCHER["username"])).one()


def staff_account(provider: Provider, email: str) -> str:
    account_id = account_id_of(provider, email)
    give_roles(provider, account_id, ["letter_dispatch"])
    return account_id


def assert_refused_as_unbound(page: httpx.Response, letter_id: str) -> None:
    assert page.status_code == 403
    assert UNBOUND_TITLE in page.text
    assert "Melden Sie sich mit Ihrem Online-Ausweis an" in page.text
    assert "„Bestätigen“" in page.text
    assert 'href="/account/security"' in page.text
    assert "Formular ist abgelaufen" not in page.text
    assert letter_id not in page.text


def test_a06_k02_an_app_enrolled_with_the_staff_password_alone_does_not_open_the_view(
    app_client: TestClient, provider: Provider, browser: Browser, clock: FixedClock
) -> None:
    email, _staff_id = make_staff(provider)
    letter_id = letter_for_zell(provider)
    log_in(browser, email)  # the password only: no app yet
    secret, _codes = enrol_through_pages(browser, provider)  # adds `otp` to this session
    assert totp_rows(provider, email)[0].bound_at is None

    assert_refused_as_unbound(browser.get(VIEW), letter_id)
    export = browser.post_form(f"{VIEW}/export", [("letter_ids", letter_id)],
                               browser.get("/account"))
    assert export.status_code == 403
    assert not export.content.startswith(b"%PDF")
    assert exports(provider) == []

    # a later login with password and that app's code is refused the same way
    again = fresh_browser(app_client)
    log_in(again, email)
    assert_refused_as_unbound(again.get(VIEW), letter_id)  # entering the code would not help
    clock.advance(seconds=totp.PERIOD)
    enter_code(again, secret, clock)
    assert_refused_as_unbound(again.get(VIEW), letter_id)


def test_a06_a_staff_session_with_a_bound_app_reaches_the_view(
    app_client: TestClient, provider: Provider, browser: Browser, clock: FixedClock
) -> None:
    email, staff_id = make_staff(provider)
    secret = enrol_totp(app_client, provider, clock, staff_id, bind=True)
    letter_id = letter_for_zell(provider)
    log_in(browser, email)
    enter_code(browser, secret, clock)

    view = browser.get(VIEW)

    assert view.status_code == 200
    assert letter_id in view.text


def test_a06_an_eid_session_of_staff_reaches_the_view(
    app_client: TestClient, provider: Provider
) -> None:
    email = make_account(provider, level=TrustLevel.SUBSTANTIAL)  # Erika, as on the sample card
    staff_account(provider, email)
    letter_id = letter_for_zell(provider)
    browser = fresh_browser(app_client)
    log_in(browser, email)
    linked = through_simulator(
        browser, browser.get("/account/security"), card="erika-mustermann", pin="123456"
    )
    assert linked.headers["location"] == "/account/security?notice=eid_linked"

    view = browser.get(VIEW)

    assert view.status_code == 200
    assert letter_id in view.text


def test_k02_the_bind_flow_the_refusal_names_lets_the_staff_app_open_the_view(
    app_client: TestClient, provider: Provider, clock: FixedClock
) -> None:
    email = make_account(provider, level=TrustLevel.SUBSTANTIAL)
    staff_account(provider, email)
    letter_id = letter_for_zell(provider)
    browser = fresh_browser(app_client)
    log_in(browser, email)
    secret, _codes = enrol_through_pages(browser, provider)
    assert_refused_as_unbound(browser.get(VIEW), letter_id)

    # as the page says: log in with the Online-Ausweis, then "Bestätigen" under Anmeldemittel
    back = through_simulator(
        browser, browser.get("/account/security"), card="erika-mustermann", pin="123456"
    )
    security = browser.get(back.headers["location"])
    [row] = totp_rows(provider, email)
    bound = browser.post_form(f"/account/security/{row.id}/bind", {}, security)
    assert bound.headers["location"] == "/account/security?notice=totp_bound"

    later = fresh_browser(app_client)
    log_in(later, email)
    clock.advance(seconds=totp.PERIOD)
    enter_code(later, secret, clock)
    view = later.get(VIEW)
    assert view.status_code == 200
    assert letter_id in view.text


def test_the_demo_print_shops_app_is_seeded_bound_and_bound_again_on_an_older_database(
    provider: Provider,
) -> None:
    def staff_app(staff: str) -> LoginMeans:
        with provider.sessions() as db:
            return db.scalars(select(LoginMeans).where(LoginMeans.account_id == staff)).one()

    staff = seed_demo(provider)
    first = staff_app(staff)
    assert first.state == "active" and first.bound_at is not None

    # a demo database seeded before the app was bound: re-running the seed binds it
    with provider.sessions() as db:
        db.execute(update(LoginMeans).where(LoginMeans.id == first.id).values(bound_at=None))
        db.commit()
    seed_demo(provider)
    again = staff_app(staff)
    assert again.id == first.id and again.bound_at is not None


def test_k02_reseeding_does_not_bind_an_app_someone_enrolled_with_the_demo_password(
    app_client: TestClient, provider: Provider, clock: FixedClock
) -> None:
    staff = seed_demo(provider)
    with provider.sessions() as db:
        db.execute(update(LoginMeans).where(LoginMeans.account_id == staff).values(
            state="blocked"))
        db.commit()
    enrol_totp(app_client, provider, clock, staff, bind=False)  # another secret, unbound

    seed_demo(provider)

    with provider.sessions() as db:
        foreign = db.scalars(select(LoginMeans).where(
            LoginMeans.account_id == staff, LoginMeans.state == "active")).one()
        assert foreign.bound_at is None
