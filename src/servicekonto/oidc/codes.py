"""Completing an authorization request: the authorization and its single-use code
(RFC 6749 §4.1.2; 60 s lifetime, DESIGN §8)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from servicekonto.accounts.sessions import ActiveSession, remember_client
from servicekonto.clients.subjects import remember_subject
from servicekonto.db.models import Authorization, AuthorizationCode, Consent
from servicekonto.oidc.authorize import AuthorizationRequest
from servicekonto.oidc.claims import claims_for_scopes
from servicekonto.oidc.minting import subject_for
from servicekonto.oidc.organisation_claims import remember_organisation_subject
from servicekonto.oidc.provider import Provider
from servicekonto.oidc.redirects import success
from servicekonto.security.secrets import digest, random_token


def granted(request: AuthorizationRequest, consent: Consent) -> tuple[list[str], list[str]]:
    """(scopes, claims) this request may receive: asked for and consented to."""
    scopes = [s for s in request.scopes if s == "openid" or s in consent.scopes]
    asked = claims_for_scopes(set(scopes)) | request.claims_parameter.requested_identity_claims()
    return scopes, sorted(asked & set(consent.claims))


def _remember_subject(
    db: Session, provider: Provider, *, account_id: str, client_id: str, acting_as: str | None
) -> None:
    """The `sub` this client gets, stored so the client's `sub` finds the person (issue 11);
    and the organisation's id at this client when the grant acts for one (its Postfach)."""
    client = provider.clients.get(db, client_id)
    if client is not None:
        subject = subject_for(provider, client, account_id)
        remember_subject(db, account_id=account_id, client_id=client_id, subject=subject)
        if acting_as is not None:
            remember_organisation_subject(db, provider, organisation_id=acting_as, client=client)


def complete(
    db: Session,
    provider: Provider,
    *,
    request: AuthorizationRequest,
    session: ActiveSession,
    consent: Consent,
    now: datetime,
    acting_as: str | None = None,
) -> str:
    """Issue the code and return the redirect URL carrying it (with `state` and `iss`).
    `acting_as`: the organisation the person acts for (`oidc.interaction.acting_for`)."""
    scopes, claims = granted(request, consent)
    _required, _essential, vocabulary = request.required_level()
    lifetime = (
        provider.settings.refresh_token_ttl
        if "offline_access" in scopes
        else provider.settings.access_token_ttl + provider.settings.code_ttl
    )
    authorization = Authorization(
        account_id=session.account_id,
        client_id=request.client_id,
        session_sid=session.sid,
        scopes=scopes,
        claims=claims,
        claims_request=request.claims,
        acr=session.level.label,
        acr_vocabulary=vocabulary,
        amr=list(session.amr),
        auth_time=session.auth_time,
        created_at=now,
        expires_at=now + timedelta(seconds=lifetime),
        acting_as=acting_as,
    )
    db.add(authorization)
    db.flush()
    _remember_subject(
        db, provider, account_id=session.account_id, client_id=request.client_id,
        acting_as=acting_as,
    )
    code = random_token(32)
    db.add(
        AuthorizationCode(
            digest=digest(code),
            authorization_id=authorization.id,
            client_id=request.client_id,
            redirect_uri=request.redirect_uri,
            code_challenge=request.code_challenge,
            nonce=request.nonce,
            expires_at=now + timedelta(seconds=provider.settings.code_ttl),
        )
    )
    remember_client(db, sid=session.sid, client_id=request.client_id)
    return success(request.redirect_uri, code=code, state=request.state, issuer=provider.issuer)
