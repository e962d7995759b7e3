"""The pages of an authorization request (DESIGN §5 interaction order): login (password, then the
second factor when one is enrolled, or the eID), step-up, Befugnis (for whom the person acts),
consent, cancel."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from servicekonto.accounts.levels import TrustLevel
from servicekonto.accounts.service import account_view
from servicekonto.accounts.sessions import SELF, ActiveSession, switch_acting_as
from servicekonto.audit.service import record
from servicekonto.companies.acting import choices as acting_choices
from servicekonto.companies.acting import facts_for
from servicekonto.consent.service import grant
from servicekonto.errors import AccessDenied, OAuthError
from servicekonto.http.browser import CurrentSession, current_session, session_cookie
from servicekonto.http.context import Now, context_of
from servicekonto.http.cookies import SESSION, set_cookie
from servicekonto.http.database import DbSession
from servicekonto.http.forms import PostedForm
from servicekonto.http.pending import Pending, same_browser
from servicekonto.oidc import codes, interaction
from servicekonto.oidc.authorize import AuthorizationRequest
from servicekonto.oidc.claims import claims_for_scopes, consent_choices, with_dependents
from servicekonto.oidc.errors import redirect_location
from servicekonto.oidc.organisation_claims import READABLE_ORGANIZATION_CLAIMS, describe
from servicekonto.oidc.provider import ProviderDep
from servicekonto.signin.pending import (
    PendingRequest,
    close_pending,
    decline_step_up,
    mark_login_done,
)
from servicekonto.web.display import attribute_text, claim_values
from servicekonto.web.pages import render, see_other
from servicekonto.web.routes.eid import eid_choice
from servicekonto.web.routes.signin import (
    password_sign_in,
    second_factor_sign_in,
    wants_second_factor,
)

#: Every page continues a pending request only in the browser that sent it (`http.pending`).
router = APIRouter(include_in_schema=False, dependencies=[Depends(same_browser)])


def _finish_with_error(
    db: DbSession,
    request: Request,
    pending: PendingRequest,
    exc: OAuthError,
) -> Response:
    """End the pending request with `exc`, addressed to its client's redirect_uri."""
    close_pending(db, pending.id)
    db.commit()
    return see_other(redirect_location(exc, issuer=context_of(request).issuer))


@dataclass(frozen=True)
class _Pages:
    """The pages of one pending authorization request, for the browser that sent it: each
    needs the request, the database, the pending request and its parsed parameters."""

    request: Request
    db: DbSession
    pending: PendingRequest
    auth: AuthorizationRequest

    def show(self, template: str, *, status: int = 200, **values: object) -> Response:
        """A page of the pending request: in its `ui_locales`, naming its client, with the
        button that cancels the request."""
        client = context_of(self.request).clients.get(self.db, self.auth.client_id)
        return render(
            self.request,
            template,
            status=status,
            ui_locales=self.auth.ui_locales,
            client_name=client.name if client else "",
            cancel_action=f"/interaction/{self.pending.id}/cancel",
            **values,
        )

    def login(self, *, error: bool = False) -> Response:
        pending_id = self.pending.id
        return self.show(
            "signin/login.html",
            action=f"/interaction/{pending_id}/login",
            login_hint=self.auth.login_hint or "",
            error=error,
            **eid_choice(self.request, pending_id=pending_id, purpose="login"),
        )

    def step_up(
        self, decision: interaction.Decision, means: interaction.StepUpMeans
    ) -> Response:
        assert decision.level is not None
        substantial_by_totp = (
            decision.level <= TrustLevel.SUBSTANTIAL and means.identity_substantial
        )
        pending_id = self.pending.id
        return self.show(
            "signin/step_up.html",
            level_label=f"level.{decision.level.label}",
            essential=decision.essential,
            # Only means that can reach the level (issue 10 item 10): a TOTP enrolled now, from
            # this password session, would count as `low`, so enrolment is not offered here.
            otp_action=(
                f"/interaction/{pending_id}/otp" if substantial_by_totp and means.totp else None
            ),
            totp_unbound=means.totp_unbound,
            identity_basic=not means.identity_substantial,
            skip_action=None if decision.essential else f"/interaction/{pending_id}/skip-step-up",
            **eid_choice(self.request, pending_id=pending_id, purpose="step_up"),
        )

    def acting_as(self, session: ActiveSession, *, error: bool = False) -> Response:
        return self.show(
            "interaction/acting_as.html",
            status=400 if error else 200,
            action=f"/interaction/{self.pending.id}/acting-as",
            choices=acting_choices(
                self.db, account_id=session.account_id, client_id=self.auth.client_id
            ),
            chosen=session.acting_as,
            error=error,
        )

    def for_step(self, step: interaction.Advance) -> Response:
        """The page of the prompt the policy chose (oidc.interaction)."""
        if step.decision.step is interaction.Step.LOGIN:
            return self.login()
        if step.decision.step is interaction.Step.STEP_UP:
            assert step.means is not None  # a step-up is only decided on means that reach it
            return self.step_up(step.decision, step.means)
        if step.decision.step is interaction.Step.ACTING_AS:
            session = current_session(self.request, self.db, context_of(self.request).clock.now())
            assert session is not None  # the policy asks for the Befugnis after the login
            return self.acting_as(session)
        return _consent_page(self.request, self.db, self.pending, self.auth)


async def _pending_pages(request: Request, pending: Pending, db: DbSession) -> _Pages:
    """The pending request's pages, its parameters parsed: what every handler of a prompt
    starts from (a dependency; async, as it only parses the stored request)."""
    return _Pages(request, db, pending, AuthorizationRequest.from_json(pending.request))


PendingPages = Annotated[_Pages, Depends(_pending_pages)]


def _otp_page(
    request: Request, pending: PendingRequest, auth: AuthorizationRequest, *, error: bool
) -> Response:
    return render(
        request,
        "signin/otp.html",
        status=400 if error else 200,
        ui_locales=auth.ui_locales,
        action=f"/interaction/{pending.id}/otp",
        error=error,
        continue_link=f"/interaction/{pending.id}",
        cancel_action=f"/interaction/{pending.id}/cancel",
    )


def _offered(auth: AuthorizationRequest) -> set[str]:
    """Every identity claim this request asks for (by scope or by name)."""
    return claims_for_scopes(set(auth.scopes)) | auth.claims_parameter.requested_identity_claims()


def _present(db: DbSession, account_id: str, offered: set[str]) -> dict[str, object]:
    """The values of the offered claims the account has; the page lists only these."""
    account = account_view(db, account_id)
    return claim_values(account, offered) if account is not None else {}


def _acting_for(db: DbSession, auth: AuthorizationRequest, session: ActiveSession) -> str | None:
    """The organisation this request acts for (None: personal), as the policy sees it."""
    return interaction.acting_for(
        session, interaction.choices_for(db, request=auth, session=session)
    )


def _organisation_rows(
    db: DbSession, auth: AuthorizationRequest, session: ActiveSession
) -> list[dict[str, object]]:
    """What the client learns of the organisation the person acts for, with its values."""
    organisation_id = _acting_for(db, auth, session)
    if organisation_id is None:
        return []
    facts = facts_for(
        db, organisation_id=organisation_id, account_id=session.account_id,
        client_id=auth.client_id,
    )
    if facts is None:
        return []
    claims = describe(facts)
    rows: list[dict[str, object]] = [{"name": "organization", "value": None}]
    for name in READABLE_ORGANIZATION_CLAIMS:  # labels in web.texts
        if name not in claims:
            continue
        value = claims[name]
        if name == "organization_register":
            value = f"{value['type']} {value['number']}, {value['court']}"
        elif name == "organization_address":
            value = attribute_text("address", value)
        elif name == "organization_role":
            value = "role." + str(value)
        rows.append({"name": name, "value": value})
    return rows


def _consent_page(
    request: Request, db: DbSession, pending: PendingRequest, auth: AuthorizationRequest
) -> Response:
    context = context_of(request)
    client = context.clients.get(db, auth.client_id)
    essential = auth.claims_parameter.essential_identity_claims()
    session = current_session(request, db, context.clock.now())
    offered = _offered(auth)
    values = _present(db, session.account_id, offered) if session else {}
    return render(
        request,
        "interaction/consent.html",
        ui_locales=auth.ui_locales,
        action=f"/interaction/{pending.id}/consent",
        client_name=client.name if client else "",
        claims=[
            {"name": n, "required": n in essential, "value": attribute_text(n, values[n])}
            for n in consent_choices(offered)
            if n in values
        ],
        organisation=_organisation_rows(db, auth, session) if session else [],
        offline_access="offline_access" in auth.scopes,
        scopes=[
            s
            for s in auth.scopes
            if s not in ("openid", "offline_access", "profile", "email", "address")
        ],
    )


@router.get("/interaction/{pending_id}")
def resume(
    pages: PendingPages, session: CurrentSession, provider: ProviderDep, now: Now
) -> Response:
    request, db, pending, auth = pages.request, pages.db, pages.pending, pages.auth
    logged_in_here = bool(
        session and pending.login_done_at and session.auth_time >= pending.login_done_at
    )
    try:
        step = interaction.advance(
            db,
            provider,
            request=auth,
            session=session,
            now=now,
            logged_in_during_request=logged_in_here,
            step_up_declined=pending.step_up_declined,
        )
    except OAuthError as exc:
        if exc.redirect_uri is None:  # not to be redirected: the error page
            raise
        return _finish_with_error(db, request, pending, exc)
    if step.target is not None:
        close_pending(db, pending.id)
        db.commit()
        return RedirectResponse(step.target, status_code=303, headers={"Cache-Control": "no-store"})
    db.commit()
    return pages.for_step(step)


@router.post("/interaction/{pending_id}/login")
def login(form: PostedForm, pages: PendingPages, now: Now) -> Response:
    request, db, pending, auth = pages.request, pages.db, pages.pending, pages.auth
    signed_in = password_sign_in(request, db, form, client_id=auth.client_id)
    if signed_in is None:
        return pages.login(error=True)
    cookie_value, account_id = signed_in
    mark_login_done(db, pending.id, now=now)
    ask_code = wants_second_factor(db, account_id)
    db.commit()
    target = f"/interaction/{pending.id}/otp" if ask_code else f"/interaction/{pending.id}"
    response = see_other(target)
    set_cookie(request, response, SESSION, cookie_value)
    return response


@router.get("/interaction/{pending_id}/otp")
def otp_form(request: Request, pending: Pending) -> Response:
    return _otp_page(request, pending, AuthorizationRequest.from_json(pending.request), error=False)


@router.post("/interaction/{pending_id}/otp")
def otp(
    request: Request, form: PostedForm, pending: Pending, db: DbSession, now: Now
) -> Response:
    auth = AuthorizationRequest.from_json(pending.request)
    cookie_value = second_factor_sign_in(request, db, form.get("otp", ""), client_id=auth.client_id)
    if cookie_value is None:
        return _otp_page(request, pending, auth, error=True)
    mark_login_done(db, pending.id, now=now)
    db.commit()
    response = see_other(f"/interaction/{pending.id}")
    set_cookie(request, response, SESSION, cookie_value)
    return response


@router.post("/interaction/{pending_id}/skip-step-up")
def skip_step_up(_form: PostedForm, pending: Pending, db: DbSession) -> Response:
    """Go on at the session's level; only ever reached for a voluntary level (decide())."""
    decline_step_up(db, pending.id)
    db.commit()
    return see_other(f"/interaction/{pending.id}")


@router.post("/interaction/{pending_id}/acting-as")
def acting_as(
    form: PostedForm, pages: PendingPages, session: CurrentSession, now: Now
) -> Response:
    """The Befugnis form (DESIGN §9: radio `acting_as` = `self` | `org:<id>`). Only one of the
    organisations offered for this client is accepted; the cookie gets a new value."""
    request, db, pending, auth = pages.request, pages.db, pages.pending, pages.auth
    cookie_value = session_cookie(request)
    if session is None or cookie_value is None:
        db.commit()
        return see_other(f"/interaction/{pending.id}")
    value = form.get("acting_as", "")
    offered = interaction.choices_for(db, request=auth, session=session)
    chosen = value[len("org:"):] if value.startswith("org:") else value
    if not (value == SELF or (value.startswith("org:") and chosen in offered)):
        db.commit()
        return pages.acting_as(session, error=True)
    switched = switch_acting_as(db, cookie_value=cookie_value, acting_as=chosen, now=now)
    assert switched is not None  # the session was loaded in this transaction
    record(
        db,
        at=now,
        event="session.acting_as_chosen",
        actor=f"account:{session.account_id}",
        subject=f"client:{auth.client_id}",
        details={"acting_as": "self" if chosen == SELF else f"organisation:{chosen}"},
        request_id=request.state.request_id,
    )
    db.commit()
    response = see_other(f"/interaction/{pending.id}")
    set_cookie(request, response, SESSION, switched[0])
    return response


@router.post("/interaction/{pending_id}/consent")
def consent(
    form: PostedForm,
    pages: PendingPages,
    session: CurrentSession,
    provider: ProviderDep,
    now: Now,
) -> Response:
    request, db, pending, auth = pages.request, pages.db, pages.pending, pages.auth
    if session is None:
        db.commit()
        return see_other(f"/interaction/{pending.id}")
    if form.get("decision") != "allow":
        record(
            db,
            at=now,
            event="consent.denied",
            actor=f"account:{session.account_id}",
            subject=f"client:{auth.client_id}",
            request_id=request.state.request_id,
        )
        return _finish_with_error(
            db,
            request,
            pending,
            AccessDenied("the end-user denied the request").to_client(
                auth.redirect_uri, auth.state
            ),
        )
    offered = _offered(auth)
    # The page lists only claims the account has a value for. The others were not shown, so
    # they cannot have been deselected: they stay in the consent as the default-checked box
    # left them before (what is released is unchanged; an absent claim releases nothing).
    unshown = offered - set(_present(db, session.account_id, offered))
    chosen = set(form.all("claims")) & offered
    chosen |= auth.claims_parameter.essential_identity_claims() & offered
    chosen |= unshown
    chosen = with_dependents(chosen, offered)
    scopes = set(auth.scopes) - {"openid"}
    acting = _acting_for(db, auth, session)
    granted = grant(
        db,
        account_id=session.account_id,
        client_id=auth.client_id,
        scopes=scopes,
        claims=chosen,
        now=now,
        offered=offered,
        acting_as=acting,
    )
    record(
        db,
        at=now,
        event="consent.granted",
        actor=f"account:{session.account_id}",
        subject=f"client:{auth.client_id}",
        details={
            "scopes": sorted(scopes),
            "claims": sorted(chosen),
            **({"acting_as": f"organisation:{acting}"} if acting else {}),
        },
        request_id=request.state.request_id,
    )
    db.flush()
    target = codes.complete(
        db, provider, request=auth, session=session, consent=granted, now=now, acting_as=acting
    )
    close_pending(db, pending.id)
    db.commit()
    return see_other(target)


@router.post("/interaction/{pending_id}/cancel")
def cancel(request: Request, _form: PostedForm, pending: Pending, db: DbSession) -> Response:
    auth = AuthorizationRequest.from_json(pending.request)
    return _finish_with_error(
        db,
        request,
        pending,
        AccessDenied("the end-user cancelled the login").to_client(auth.redirect_uri, auth.state),
    )
