"""Consents, and the chain of codes and tokens issued under one authorization.

An `Authorization` is everything issued from one authorization code: revoking it (code replay,
refresh-token reuse, consent revocation, logout of an offline grant) makes every access and
refresh token of the chain fail at once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column

from servicekonto.db.base import Base, UTCDateTime, new_id


class Consent(Base):
    """What the user allowed a client to receive; one row per (account, client, Befugnis)."""

    __tablename__ = "consents"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.client_id", ondelete="CASCADE"))
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    claims: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: The organisation the consent was given for (the Befugnis, issue 12); NULL: personal.
    #: One row per Befugnis (`CONSENT_PER_BEFUGNIS`): consenting for one never replaces another.
    #: No foreign key: the column came before the organisations table.
    acting_as: Mapped[str | None] = mapped_column(String(32))


#: The unique key (account, client, Befugnis) with NULL (personal) as one value. NULLs are
#: distinct in a unique index on SQLite and PostgreSQL < 15, so the index is on
#: COALESCE(acting_as, ''): organisation ids are 32 hex characters, never empty. NULL stays the
#: column's "personal" (no sentinel to translate in code, no data migration). Migration 0017.
CONSENT_PER_BEFUGNIS = Index(
    "uq_consents_account_client_acting_as",
    Consent.account_id,
    Consent.client_id,
    func.coalesce(Consent.acting_as, ""),
    unique=True,
)


class Authorization(Base):
    __tablename__ = "authorizations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    client_id: Mapped[str] = mapped_column(
        ForeignKey("clients.client_id", ondelete="CASCADE"), index=True
    )
    session_sid: Mapped[str | None] = mapped_column(String(64), index=True)
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    claims: Mapped[list[str]] = mapped_column(JSON, default=list)
    claims_request: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    acr: Mapped[str] = mapped_column(String(16))
    acr_vocabulary: Mapped[str] = mapped_column(String(16), default="eidas")
    amr: Mapped[list[str]] = mapped_column(JSON, default=list)
    auth_time: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The organisation the grant acts for (the Befugnis, issue 12); NULL: personal. Suspension,
    #: closing and removal revoke by it (`companies.revocation`). No foreign key: the column
    #: came before the organisations table.
    acting_as: Mapped[str | None] = mapped_column(String(32))


class AuthorizationCode(Base):
    __tablename__ = "authorization_codes"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    authorization_id: Mapped[str] = mapped_column(
        ForeignKey("authorizations.id", ondelete="CASCADE"), index=True
    )
    client_id: Mapped[str] = mapped_column(String(64))
    redirect_uri: Mapped[str] = mapped_column(String(2000))
    code_challenge: Mapped[str] = mapped_column(String(128))
    nonce: Mapped[str | None] = mapped_column(String(512))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    consumed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RefreshToken(Base):
    __tablename__ = "refresh_tokens"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    authorization_id: Mapped[str] = mapped_column(
        ForeignKey("authorizations.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RevokedAccessToken(Base):
    """A single access token revoked through RFC 7009, kept until it would have expired."""

    __tablename__ = "revoked_access_tokens"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
