"""Login means beyond the password (TR-03160-1 §4.2/§4.4): TOTP apps, linked eID cards, and the
recovery codes of a TOTP enrolment; plus the OP's side of a running eID transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from servicekonto.db.base import Base, UTCDateTime, new_id


class LoginMeans(Base):
    __tablename__ = "login_means"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    #: `totp` or `eid`.
    kind: Mapped[str] = mapped_column(String(16))
    #: `pending` (enrolment not yet confirmed), `active`, `blocked` (by the holder).
    state: Mapped[str] = mapped_column(String(16))
    #: What the holder sees in the list, e.g. "Authenticator-App" or "Personalausweis (D)".
    label: Mapped[str] = mapped_column(String(120))
    #: TOTP: the shared secret, AES-GCM sealed with the means id as associated data.
    secret_sealed: Mapped[str | None] = mapped_column(Text)
    #: eID: keyed digest of the card's `restricted_id`; unique, so a card links one account.
    lookup_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: eID: keyed digest of the holder's minimum data set (TR-03160-1 §4.5: given names, family
    #: name, birth name, date and place of birth, address) as last read from the chip, so a new
    #: card of the same person (new `restricted_id`) finds the account again.
    identity_digest: Mapped[str | None] = mapped_column(String(64), index=True)
    #: TOTP: the highest time step accepted so far; a code is good only for a later step, and
    #: one conditional UPDATE enforces it (replay, RFC 6238 §5.2).
    last_used_step: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When the means was bound to the person at the level it grants (TR-03160-1 §4.2/§4.3): an
    #: eID card at once; a TOTP when enrolled in a session at >= `substantial` or confirmed later
    #: in one. None: an unbound TOTP, which counts only as `low`.
    bound_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RecoveryCode(Base):
    """A single-use code that stands in for the TOTP app; only its digest is kept."""

    __tablename__ = "recovery_codes"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    means_id: Mapped[str] = mapped_column(ForeignKey("login_means.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class EidTransaction(Base):
    """One eID login or link in progress: bound to the browser that started it, used once."""

    __tablename__ = "eid_transactions"

    #: Random handle in the return URL; worthless without the browser's binding cookie.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: SHA-256 of the `sk_eid` cookie value set when the transaction started.
    binding_digest: Mapped[str] = mapped_column(String(64))
    #: The eID-Server's `Session.ID`, needed for `getResult`.
    eid_session: Mapped[str] = mapped_column(String(128))
    request_counter: Mapped[int] = mapped_column(Integer, default=0)
    #: `login` (sign in or register) or `link` (add the card to the signed-in account).
    purpose: Mapped[str] = mapped_column(String(16))
    #: The authorization request this serves, if any (PendingAuthorization.id).
    pending_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    consumed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
