"""Registration pages: sign-up form, e-mail confirmation link, identity confirmation (PIN)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from servicekonto.accounts.service import account_view, link_token_usable
from servicekonto.accounts.sessions import ActiveSession
from servicekonto.errors import InputRefused
from servicekonto.faults import crash_point
from servicekonto.http.browser import SignedInSession
from servicekonto.http.context import Now, RateLimits, Registration
from servicekonto.http.database import DbSession
from servicekonto.http.forms import PostedForm
from servicekonto.http.posts import SignedInSessionPost
from servicekonto.http.registration import register_within_limits
from servicekonto.letters.service import LetterLimitReached, letter_status
from servicekonto.register.port import RegisterUnavailable
from servicekonto.registration import din91379, service
from servicekonto.registration.schemas import RegistrationInput
from servicekonto.web.pages import render, see_other
from servicekonto.web.routes.security import bind_after_letter

router = APIRouter(include_in_schema=False)
FIELDS = (
    "email",
    "given_name",
    "family_name",
    "birth_date",
    "street",
    "house_number",
    "postal_code",
    "locality",
)
#: Which i18n message a refused field shows when no more specific one applies.
_FIELD_ERRORS = {
    "email": "register.error.email",
    "birth_date": "register.error.birth_date",
    "postal_code": "register.error.postal_code",
    "privacy_consent": "register.error.privacy_consent",
}
#: Longer link tokens are cut (ours are 43 characters); nothing longer is hashed or stored.
_MAX_TOKEN = 128
#: Fields checked as DIN 91379 person names (data type A); the others as type B.
_PERSON_NAMES = ("given_name", "family_name")
#: A refused field: its i18n message key and the message's parameters.
Refusal = tuple[str, dict[str, object]]


def _form_page(
    request: Request, values: dict[str, str], errors: dict[str, Refusal], status: int = 200
) -> Response:
    shown = {k: values.get(k, "") for k in (*FIELDS, "privacy_consent")}
    return render(
        request,
        "registration/register.html",
        status=status,
        action="/register",
        values=shown,
        errors={name: key for name, (key, _) in errors.items()},
        error_params={name: params for name, (_, params) in errors.items()},
    )


def _shown_character(character: str) -> str:
    """A refused character as the page names it: quoted when visible, always its code point."""
    code = din91379.describe(character)
    return f"„{character}“ ({code})" if din91379.printable(character) else code


def _refusal(field: str, error: ErrorDetails) -> Refusal:
    """What the form says about one pydantic error: what is wrong, with the limit or the
    character where there is one (never just "fill in this field" for a value that is there)."""
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "missing" or error.get("input") == "":
        return "register.error.required", {}
    if field == "password":
        too_long = kind == "string_too_long"
        return (
            "register.error.password_too_long" if too_long else "register.error.password_too_short"
        ), {}
    if kind == "string_too_long":
        return "register.error.too_long", {
            "limit": ctx.get("max_length"),
            "length": len(str(error.get("input", ""))),
        }
    if kind == "string_too_short":
        return "register.error.required", {}
    if kind == "character_not_allowed":
        key = "character_person" if field in _PERSON_NAMES else "character_other"
        return f"register.error.{key}", {"character": _shown_character(str(ctx["character"]))}
    if kind == "birth_date_implausible":
        return "register.error.birth_date_implausible", {}
    return _FIELD_ERRORS.get(field, "register.error.required"), {}


def _errors_of(exc: ValidationError) -> dict[str, Refusal]:
    errors: dict[str, Refusal] = {}
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else "_form"
        if field not in errors:
            errors[field] = _refusal(field, error)
    return errors


@router.get("/register")
def registration_form(request: Request) -> Response:
    return _form_page(request, {}, {})


@router.post("/register")
def register(
    request: Request,
    form: PostedForm,
    db: DbSession,
    now: Now,
    limits: RateLimits,
    collaborators: Registration,
) -> Response:
    raw: dict[str, Any] = {k: form.get(k, "") for k in (*FIELDS, "password")}
    raw["privacy_consent"] = form.get("privacy_consent") == "yes"
    try:
        data = RegistrationInput(**raw)
    except ValidationError as exc:
        return _form_page(request, form, _errors_of(exc), status=422)
    try:
        # The limits first, before any hash or mail; the API counts in the same buckets.
        register_within_limits(request, db, limits, collaborators, data, now)
    except InputRefused as exc:
        db.rollback()
        errors: dict[str, Refusal] = {}
        for problem in exc.problems:
            field = "birth_date" if problem.startswith("birth_date") else "password"
            errors.setdefault(field, (f"register.error.{problem}", {}))
        return _form_page(request, form, errors, status=422)
    except RegisterUnavailable:
        db.rollback()  # nothing is kept from unverified data
        return _form_page(
            request, form, {"_form": ("register.error.register_unavailable", {})}, status=503
        )
    crash_point("registration.before_commit")
    db.commit()
    return see_other("/register/done")


@router.get("/register/done")
def registration_done(request: Request) -> Response:
    return render(request, "registration/register_done.html")


def link_page(
    request: Request, db: DbSession, *, token: str, purpose: str, action: str, now: datetime
) -> Response:
    """What an e-mail link opens: a button whose POST to `action` uses the link, or "invalid".
    Opening spends nothing, so a mail system's link scanner cannot use the link up."""
    token = token[:_MAX_TOKEN]
    usable = link_token_usable(db, token=token, purpose=purpose, now=now)
    db.commit()
    if not usable:
        return render(
            request, "registration/email_verified.html", status=400, ok=False, confirm_token=None
        )
    return render(
        request,
        "registration/email_verified.html",
        ok=False,
        confirm_token=token,
        confirm_action=action,
    )


def link_used(
    request: Request, db: DbSession, form: dict[str, str], use: Callable[[str], bool]
) -> Response:
    """The button's POST (its form CSRF-checked): `use` consumes the token; the page says how
    it went."""
    token = form.get("token", "")[:_MAX_TOKEN]
    ok = bool(token) and use(token)
    db.commit()
    return render(
        request,
        "registration/email_verified.html",
        status=200 if ok else 400,
        ok=ok,
        confirm_token=None,
    )


@router.get("/register/confirm/{token}")
def confirm_page(token: str, request: Request, db: DbSession, now: Now) -> Response:
    return link_page(
        request, db, token=token, purpose="verify_email", action="/register/confirm", now=now
    )


@router.post("/register/confirm")
def confirm(request: Request, form: PostedForm, db: DbSession, now: Now) -> Response:
    return link_used(
        request, db, form, lambda token: service.confirm_email(db, token=token, now=now)
    )


def _identity_page(
    request: Request,
    db: DbSession,
    session: ActiveSession,
    *,
    error: bool = False,
    notice: str | None = None,
    status: int = 200,
) -> Response:
    account = account_view(db, session.account_id)
    verified = bool(account and account.register_bound)
    letter = letter_status(db, account_id=session.account_id)

    return render(
        request,
        "registration/identity.html",
        status=status,
        activation_action="/account/identity",
        order_action="/account/identity/letter",
        verified=verified,
        error=error,
        notice=notice,
        can_order=not verified,
        letter=None
        if letter is None
        else {
            "status": letter.status,
            "reference": letter.reference,
            "created_at": letter.created_at,
            "valid_until": letter.valid_until,
            "attempts_left": letter.attempts_left,
        },
    )


@router.get("/account/identity")
def identity(request: Request, db: DbSession, session: SignedInSession) -> Response:
    response = _identity_page(
        request, db, session, notice=_NOTICES.get(request.query_params.get("notice", ""))
    )
    db.commit()
    return response


_NOTICES = {
    "activated": "identity.notice.activated",
    "ordered": "identity.notice.ordered",
    "refused": "identity.notice.order_refused",
    "no_match": "identity.notice.order_no_match",
    "register_unavailable": "identity.notice.register_unavailable",
}


@router.post("/account/identity")
def activate(post: SignedInSessionPost, collaborators: Registration) -> Response:
    request, db, session = post.request, post.db, post.session
    try:
        ok = service.activate_identity(
            db,
            collaborators,
            account_id=session.account_id,
            code=post.form.get("activation_code", "")[:64],
            now=post.now,
            request_id=post.request_id,
        )
    except RegisterUnavailable:
        db.rollback()
        return _identity_page(request, db, session, error=True, status=503)
    if ok:
        bind_after_letter(request, db, session)
    db.commit()
    if not ok:
        return _identity_page(request, db, session, error=True)
    return see_other("/account/identity?notice=activated")


@router.post("/account/identity/letter")
def order_letter(post: SignedInSessionPost, collaborators: Registration) -> Response:
    db = post.db
    try:
        sent = service.order_new_letter(
            db,
            collaborators,
            account_id=post.session.account_id,
            now=post.now,
            request_id=post.request_id,
        )
    except LetterLimitReached:
        db.rollback()
        return see_other("/account/identity?notice=refused")
    except RegisterUnavailable:
        db.rollback()
        return see_other("/account/identity?notice=register_unavailable")
    db.commit()
    # Not sent: already bound or no register match, never "3 letters sent" (issue 10 item 2).
    return see_other("/account/identity?notice=" + ("ordered" if sent else "no_match"))
