"""Who a client may write to, found in one indexed lookup (issue 13 item 1).

A person is addressed by the `sub` the client received for them (OIDC Core §8; stored in
`client_subjects`, UNIQUE (client_id, subject)). The client may write only when the person has
consented to its `postfach` scope (asked on the consent page like any scope); otherwise
`NoConsent`. A `sub` this client never received — unknown, or another client's subject for the
same or another person — is `UnknownRecipient`, with no hint which.

An organisation is addressed by its pairwise organisation id: an HMAC of the client's sector and
the organisation id under a server key of its own purpose, like the persons' pairwise subjects
(`oidc.pairwise`), so two sectors cannot link an organisation by its id, and the id does not
reveal ours; a client with `subject_type` "public" gets the organisation id itself, as it gets
account ids. `organisation_subject_for` derives it and stores it in
`client_organisation_subjects` (UNIQUE (client_id, subject)); whoever releases the id to a client
(the `organization` claim, when a member acting for the organisation signs in there) calls it,
and from then on the client can address the organisation's Postfach. Messages are accepted while
the organisation is active.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from servicekonto.clients.subjects import account_of_subject
from servicekonto.consent.service import find_consent
from servicekonto.db.models import ClientOrganisationSubject, Organisation
from servicekonto.postfach.errors import NoConsent, RecipientInactive, UnknownRecipient
from servicekonto.postfach.schemas import Recipient
from servicekonto.security.secrets import derive_key, keyed_digest

#: The OIDC scope a person consents to so a client may write to their Postfach (DESIGN §9).
POSTFACH_SCOPE = "postfach"
#: The machine scope of the deposit API (client credentials; DESIGN §9).
DELIVER_SCOPE = "postfach:deliver"
#: The organisation state in which its Postfach takes messages (`companies.states.State`).
_ACTIVE = "activated"


@dataclass(frozen=True)
class Resolved:
    """Exactly one of the two is set."""

    account_id: str | None = None
    organisation_id: str | None = None

    @property
    def audit_subject(self) -> str:
        if self.account_id is not None:
            return f"account:{self.account_id}"
        return f"organisation:{self.organisation_id}"


def resolve(db: Session, *, client_id: str, recipient: Recipient) -> Resolved:
    """The recipient of a client's message or status update, or the error that says why not."""
    if recipient.sub is not None:
        account_id = account_of_subject(db, client_id=client_id, subject=recipient.sub)
        if account_id is None:
            raise UnknownRecipient("the recipient sub is not known to this client")
        consent = find_consent(db, account_id=account_id, client_id=client_id)
        if consent is None or POSTFACH_SCOPE not in consent.scopes:
            raise NoConsent("the person has not consented to the postfach scope of this client")
        return Resolved(account_id=account_id)
    assert recipient.organization is not None  # the schema asks for exactly one
    found = db.execute(
        select(Organisation.id, Organisation.state)
        .join(ClientOrganisationSubject,
              ClientOrganisationSubject.organisation_id == Organisation.id)
        .where(ClientOrganisationSubject.client_id == client_id,
               ClientOrganisationSubject.subject == recipient.organization)
    ).first()
    if found is None:
        raise UnknownRecipient("the recipient organization is not known to this client")
    if found.state != _ACTIVE:
        raise RecipientInactive("the organization's Postfach does not accept messages")
    return Resolved(organisation_id=found.id)


class OrganisationSubjectIds:
    """Pairwise organisation ids (module doc)."""

    PURPOSE = "pairwise-organisation"

    def __init__(self, secret_key: str) -> None:
        self._key = derive_key(secret_key, self.PURPOSE)

    def subject(self, *, organisation_id: str, sector: str, subject_type: str = "pairwise") -> str:
        if subject_type == "public":
            return organisation_id
        return keyed_digest(self._key, f"{sector}\x00{organisation_id}")


def organisation_subject_for(
    db: Session,
    *,
    ids: OrganisationSubjectIds,
    organisation_id: str,
    client_id: str,
    sector: str,
    subject_type: str = "pairwise",
) -> str:
    """The organisation's id at this client, stored for the deposit's lookup; call it where the
    id is released to the client. Concurrent calls end in one row (primary key; the loser's
    savepoint rolls back alone)."""
    subject = ids.subject(organisation_id=organisation_id, sector=sector,
                          subject_type=subject_type)
    stored = db.get(ClientOrganisationSubject, (organisation_id, client_id))
    if stored is not None:
        if stored.subject != subject:  # the client's subject type changed
            stored.subject = subject
        return subject
    try:
        with db.begin_nested():
            db.add(ClientOrganisationSubject(organisation_id=organisation_id,
                                             client_id=client_id, subject=subject))
    except IntegrityError:
        pass
    return subject
