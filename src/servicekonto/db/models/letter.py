"""Letters with one-time codes sent by post (DESIGN §5): the PIN letter (`kind` "pin") to a
civil-register address, and the activation letter (`kind` "org_activation") to an organisation's
business address, which carries a second code, the Widerrufscode (issue 12 item 4).

Only argon2id hashes of the codes are stored (DESIGN §6 #11, checklist L-01). "One pending letter
per account" and "one pending letter per organisation" are database rules, not Python checks
(DESIGN §7): `pending_account_id` (PIN letters) or `pending_organisation_id` (organisation
letters) carries the id while the letter is queued or dispatched and NULL otherwise, and a plain
UNIQUE constraint on it works the same on SQLite and PostgreSQL (NULLs never collide), where a
partial unique index would need dialect-specific DDL. An organisation letter never sets
`pending_account_id`: the applicant's own PIN letter is another matter.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from servicekonto.db.base import Base, UTCDateTime, new_id

#: Statuses in which a letter is still usable; exactly these carry `pending_account_id`
#: (PIN letter) or `pending_organisation_id` (organisation letter).
PENDING_STATUSES = ("queued", "dispatched")
#: The kinds of letter: a PIN letter to a register person, an organisation's activation letter.
PIN = "pin"
ORG_ACTIVATION = "org_activation"


class Letter(Base):
    __tablename__ = "letters"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    #: Who ordered it: the person (PIN letter) or the applicant (organisation letter).
    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    #: Set to `account_id` while the letter is pending, NULL otherwise; UNIQUE: one pending letter.
    pending_account_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    #: Set to `organisation_id` while an organisation letter is pending, NULL otherwise; UNIQUE:
    #: one pending letter per organisation.
    pending_organisation_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default=PIN)
    #: queued | dispatched | activated | revoked (Widerrufscode used) | void | expired
    status: Mapped[str] = mapped_column(String(16), index=True)
    #: The activation code's hash (PIN letter: the only code).
    code_hash: Mapped[str] = mapped_column(String(200))
    #: Organisation letters only: the hash of the Widerrufscode, NULL on a PIN letter.
    revocation_code_hash: Mapped[str | None] = mapped_column(String(200))
    #: Tries with either code; one counter for the letter (3, `letters.service.MAX_ATTEMPTS`).
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: The register person the letter goes to (the default), or NULL for a letter to
    #: `organisation_id`'s business address; exactly one of the two is set.
    register_record_id: Mapped[str | None] = mapped_column(String(64))
    #: The organisation whose business address the letter goes to (company accounts).
    organisation_id: Mapped[str | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    #: The administration that sends it and whose dispatch staff see it; always set on an
    #: organisation letter (`letters.service`), NULL on a PIN letter only when no administration
    #: serves the address (then only the print shop's API and the CLI list it).
    administration_slug: Mapped[str | None] = mapped_column(String(64))
    #: {"lines": [...], "name", "street_line", "postal_code", "locality"}: the register
    #: record's address, or the organisation's business address.
    recipient: Mapped[dict[str, Any]] = mapped_column(JSON)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
