"""The citizen's own pages: a standalone login, the account overview, consent revocation."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from servicekonto.accounts.levels import TrustLevel
from servicekonto.accounts.service import AccountView
from servicekonto.audit.service import record
from servicekonto.catalogue.service import favourites
from servicekonto.companies.members import memberships_for
from servicekonto.consent.service import list_consents, revoke
from servicekonto.errors import InvalidInput
from servicekonto.http.browser import SignedInAccount, SignedInSession
from servicekonto.http.context import Context, Now, RateLimits, Registration
from servicekonto.http.cookies import SESSION, clear_cookie, set_cookie
from servicekonto.http.database import DbSession
from servicekonto.http.forms import PostedForm
from servicekonto.http.limits import rate_limit
from servicekonto.http.posts import SignedInSessionPost
from servicekonto.oidc.claims import SCOPE_CLAIMS
from servicekonto.postfach import access as postfach_access
from servicekonto.postfach import inbox
from servicekonto.registration import service as registration
from servicekonto.staff.service import ADMINISTRATION_ADMIN, LETTER_DISPATCH, has_role
from servicekonto.web.display import attribute_text
from servicekonto.web.pages import local_path, render, see_other
from servicekonto.web.routes.eid import eid_choice
from servicekonto.web.routes.signin import (
    login_notice,
    password_sign_in,
    sign_out,
    wants_second_factor,
)

router = APIRouter(include_in_schema=False)
#: Staff with this role get a link to their view on the account page (issue 10 item 15).
STAFF_ROLE, STAFF_VIEW = LETTER_DISPATCH, "/staff/letters"
NOTICES = {
    "revoked": "account.revoked",
    "eid_registered": "account.eid_registered",
    "email_sent": "account.email_sent",
    "email_invalid": "account.email_invalid",
    "password_changed": "account.password_changed",
    "email_change_sent": "account.email_change_sent",
}


def _who(account: AccountView) -> str:
    """How the page names the person: the name (accounts opened with the eID may have no
    e-mail address), with the e-mail address when there is one."""
    attributes = account.attributes
    name = " ".join(
        str(attributes[n].value) for n in ("given_name", "family_name") if n in attributes
    )
    if name and account.email:
        return f"{name} ({account.email})"
    return name or account.email or ""


def _next_page(request: Request) -> str | None:
    """Where to go after the login (`?next=`, a local path only), e.g. back to /staff/letters."""
    return local_path(request.query_params.get("next"))


def with_next(path: str, next_page: str | None) -> str:
    return f"{path}?next={quote(next_page)}" if next_page else path


@router.get("/login")
def login_form(request: Request) -> Response:
    return render(
        request,
        "signin/login.html",
        action=with_next("/login", _next_page(request)),
        client_name=None,
        login_hint="",
        error=False,
        cancel_action=None,
        notice=login_notice(request),
        **eid_choice(request, pending_id=None, purpose="login", next_page=_next_page(request)),
    )


@router.post("/login")
def login(request: Request, form: PostedForm, db: DbSession) -> Response:
    next_page = _next_page(request)
    signed_in = password_sign_in(request, db, form)
    if signed_in is None:
        return render(
            request,
            "signin/login.html",
            action=with_next("/login", next_page),
            client_name=None,
            login_hint="",
            error=True,
            cancel_action=None,
            **eid_choice(request, pending_id=None, purpose="login", next_page=next_page),
        )
    cookie_value, account_id = signed_in
    ask_code = wants_second_factor(db, account_id)
    db.commit()
    target = with_next("/login/otp", next_page) if ask_code else next_page or "/account"
    response = see_other(target)
    set_cookie(request, response, SESSION, cookie_value)
    return response


@router.get("/account")
def overview(request: Request, db: DbSession, signed_in: SignedInAccount) -> Response:
    session, account = signed_in.session, signed_in.account
    consents = list_consents(db, account_id=account.id)
    staff = has_role(db, account_id=account.id, role=STAFF_ROLE)
    organisations = memberships_for(db, account_id=account.id)
    administration_admin = has_role(db, account_id=account.id, role=ADMINISTRATION_ADMIN)
    unread = inbox.unread_count(db, box=postfach_access.personal(account.id))
    organisation_boxes = [
        (m.name, f"/organizations/{m.organisation_id}/postfach")
        for m in organisations
        if postfach_access.may_read(db, account_id=account.id, organisation_id=m.organisation_id)
    ]
    favourite_services = favourites(db, account_id=account.id)
    db.commit()
    return render(
        request,
        "account/account.html",
        postfach_unread=unread,
        organisation_postfach=organisation_boxes,
        email=account.email or "",
        who=_who(account),
        identity_confirmed=account.identity_level >= TrustLevel.SUBSTANTIAL,
        email_missing=account.email is None,
        has_password=account.has_password,
        email_unverified=account.email is not None and not account.email_verified,
        level_label=f"level.{session.level.label}",
        attributes=[
            {"name": name, "value": attribute_text(name, a.value), "level": a.level.label}
            for name, a in sorted(account.attributes.items())
        ],
        consents=[
            {
                "client_name": c.client_name,
                "claims": c.claims,
                # Scopes that stand for claims are shown as those claims (as on the consent
                # page); the others by their German label.
                "scopes": [s for s in c.scopes if s != "openid" and s not in SCOPE_CLAIMS],
                "granted_at": c.created_at,
                # One line per Befugnis: personal (None) or the organisation's name.
                "personal": c.acting_as is None,
                "organisation_name": c.organisation_name or "",
                "revoke_action": f"/account/consents/{c.id}/revoke",
            }
            for c in consents
        ],
        logout_action="/account/logout",
        notice=NOTICES.get(request.query_params.get("notice", "")),
        staff_link=STAFF_VIEW if staff else None,
        organisations=[
            {"name": m.name, "role": m.role, "link": f"/organizations/{m.organisation_id}"}
            for m in organisations
        ],
        administration_link="/staff/administration" if administration_admin else None,
        favourites=favourite_services,
    )


@router.post("/account/consents/{consent_id}/revoke")
def revoke_consent(consent_id: str, post: SignedInSessionPost) -> Response:
    db, account_id = post.db, post.session.account_id
    client_id = revoke(db, account_id=account_id, consent_id=consent_id[:32], now=post.now)
    record(
        db,
        at=post.now,
        event="consent.revoked",
        actor=f"account:{account_id}",
        subject=f"client:{client_id}",
        request_id=post.request_id,
    )
    db.commit()
    return see_other("/account?notice=revoked")


@router.post("/account/logout")
def account_logout(request: Request, _form: PostedForm, db: DbSession) -> Response:
    sign_out(request, db)
    response = see_other("/logged-out")
    clear_cookie(request, response, SESSION)
    return response


@router.get("/logged-out")
def logged_out(request: Request) -> Response:
    return render(request, "signin/logged_out.html")


@router.get("/")
def index(request: Request, context: Context) -> Response:
    # the demo portal is mounted in dev mode only (issue 15 item 5): no dead link elsewhere
    return render(request, "index.html", demo_portal=context.settings.dev_mode)


@router.post("/account/email")
def add_email(
    request: Request,
    form: PostedForm,
    db: DbSession,
    session: SignedInSession,
    now: Now,
    limits: RateLimits,
    collaborators: Registration,
) -> Response:
    """An account opened with the eID adds its e-mail address (verified by link)."""
    address = form.get("email", "").strip()
    if "@" not in address or len(address) > 254:
        db.commit()
        return see_other("/account?notice=email_invalid")
    # it mails the address: per IP and per address like the sign-up (issue 15 item 4)
    db.commit()
    rate_limit(request, "add_email")
    limits.check_address("add_email", address, now)
    try:
        registration.add_email(
            db,
            collaborators,
            account_id=session.account_id,
            email=address,
            now=now,
            request_id=request.state.request_id,
        )
    except InvalidInput:
        db.rollback()
        return see_other("/account")
    db.commit()
    return see_other("/account?notice=email_sent")
