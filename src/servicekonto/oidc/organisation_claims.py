"""Organisation claims (issue 12 item 6): for whom a member acting for an organisation signs in.

Released in the ID token and at userinfo when — and only when — the grant acts for an
organisation (`authorizations.acting_as`, chosen at the Befugnis prompt) and scope
`organization` is registered for the client, consented, and in the token. A personal login, or a
client that did not ask for `organization`, gets none of these claims.

Names follow Mein Unternehmenskonto's attributes (reference/egov-domain.md §1.5) in the
snake_case of OIDC claims:

| claim | MUK attribute | value |
|---|---|---|
| `organization` | DatenuebermittlerPseudonymId / Bausteinpseudonym | pairwise id per sector |
| `organization_type` | PersTyp | company, verein, freiberufler, stiftung, public_body |
| `organization_name` | Firmenname | |
| `organization_legal_form` | Rechtsform | our code (`companies.legal_forms`) |
| `organization_legal_form_text` | RechtsformText | "GmbH" |
| `organization_register` | Registerart, Registernummer, Registergericht | {type, number, court} |
| `organization_trade_registration` | (Gewerbeanmeldung) | {authority, date} |
| `organization_address` | Unternehmensanschrift | OIDC address object (Core §5.1.1) |
| `organization_role` | — | admin, member |

The pairwise id is an HMAC of the client's sector and the organisation id under a key of its
own purpose (`postfach.recipients.OrganisationSubjectIds`); the same id addresses the
organisation's Postfach. `verified_claims` (OpenID Connect for Identity Assurance 1.0 §5) gets
one element for the organisation: its data as the Registrierungsstelle of the responsible
administration checked it (trust framework `de_servicekonto_registrierungsstelle`), with one
evidence of type `document` per kind of founding document it reviewed (check method `vri`,
validation of remote images: the officers saw uploaded copies, never originals).
"""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy.orm import Session

from servicekonto.clients.service import ClientInfo
from servicekonto.companies.acting import OrganisationFacts, facts_for
from servicekonto.db.models import Authorization
from servicekonto.oidc.provider import Provider
from servicekonto.postfach.recipients import organisation_subject_for

ORGANIZATION_SCOPE: Final = "organization"
ORGANISATION_TRUST_FRAMEWORK: Final = "de_servicekonto_registrierungsstelle"
#: Every claim this module may release (discovery's `claims_supported`, the consent page).
ORGANIZATION_CLAIMS: Final = (
    "organization",
    "organization_type",
    "organization_name",
    "organization_legal_form",
    "organization_legal_form_text",
    "organization_register",
    "organization_trade_registration",
    "organization_address",
    "organization_role",
)
#: The claims a person reads about the organisation (the consent page, the demo portal), in
#: this order: its facts as words, without the pairwise id and the codes (type, legal form).
READABLE_ORGANIZATION_CLAIMS: Final = (
    "organization_name",
    "organization_legal_form_text",
    "organization_register",
    "organization_trade_registration",
    "organization_address",
    "organization_role",
)
#: The claims the Registrierungsstelle verified (the rest are ids and the member's role).
_VERIFIED: Final = tuple(
    claim for claim in ORGANIZATION_CLAIMS if claim not in ("organization", "organization_role")
)


def _time(facts: OrganisationFacts) -> str | None:
    return facts.reviewed_at.strftime("%Y-%m-%dT%H:%M:%SZ") if facts.reviewed_at else None


def describe(facts: OrganisationFacts) -> dict[str, Any]:
    """The organisation claims but the pairwise id (also what the consent page lists)."""
    claims: dict[str, Any] = {
        "organization_type": facts.kind,
        "organization_name": facts.name,
        "organization_legal_form": facts.legal_form,
        "organization_legal_form_text": facts.legal_form_text,
    }
    if facts.register_type and facts.register_number:
        claims["organization_register"] = {
            "type": facts.register_type,
            "number": facts.register_number,
            "court": facts.register_court,
        }
    if facts.trade_authority:
        trade: dict[str, Any] = {"authority": facts.trade_authority}
        if facts.trade_registered_on:
            trade["date"] = facts.trade_registered_on.isoformat()
        claims["organization_trade_registration"] = trade
    claims["organization_address"] = {
        "street_address": f"{facts.street} {facts.house_number}".strip(),
        "postal_code": facts.postal_code,
        "locality": facts.locality,
        "country": "DE",
    }
    claims["organization_role"] = facts.role
    return claims


def verified_element(facts: OrganisationFacts, claims: dict[str, Any]) -> dict[str, Any]:
    """The organisation's `verified_claims` element (IDA §5): who checked what, when, and
    against which kinds of documents."""
    when = _time(facts)
    evidence: list[dict[str, Any]] = []
    for doc_type in facts.document_types:
        item: dict[str, Any] = {
            "type": "document",
            "check_details": [{"check_method": "vri", "organization": facts.reviewed_by}],
            "document_details": {"type": doc_type},
        }
        if when:
            item["time"] = when
        evidence.append(item)
    verification: dict[str, Any] = {
        "trust_framework": ORGANISATION_TRUST_FRAMEWORK,
        "verifier": {"organization": facts.reviewed_by},
    }
    if when:
        verification["time"] = when
    if evidence:
        verification["evidence"] = evidence
    return {
        "verification": verification,
        "claims": {name: claims[name] for name in _VERIFIED if name in claims},
    }


def acts_for_organisation(
    authorization: Authorization, client: ClientInfo, token_scopes: set[str] | list[str]
) -> bool:
    """The grant acts for an organisation and `organization` is registered, granted and in
    this token (a token narrowed at refresh loses it, RFC 6749 §6)."""
    return (
        authorization.acting_as is not None
        and ORGANIZATION_SCOPE in client.scopes
        and ORGANIZATION_SCOPE in authorization.scopes
        and ORGANIZATION_SCOPE in token_scopes
    )


def organisation_claims(
    db: Session,
    provider: Provider,
    *,
    authorization: Authorization,
    client: ClientInfo,
    token_scopes: set[str] | list[str],
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """(claims, the organisation's `verified_claims` element) for this token; ({}, None) when
    it does not act for an organisation or the person may no longer act for it."""
    if not acts_for_organisation(authorization, client, token_scopes):
        return {}, None
    assert authorization.acting_as is not None
    facts = facts_for(
        db,
        organisation_id=authorization.acting_as,
        account_id=authorization.account_id,
        client_id=client.client_id,
    )
    if facts is None:
        return {}, None
    claims = describe(facts)
    subject = provider.organisation_subjects.subject(
        organisation_id=facts.id, sector=client.sector, subject_type=client.subject_type
    )
    return {"organization": subject, **claims}, verified_element(facts, claims)


def remember_organisation_subject(
    db: Session, provider: Provider, *, organisation_id: str, client: ClientInfo
) -> None:
    """Store the organisation's id at this client when a grant acting for it is issued, so the
    client can address the organisation's Postfach with the id it receives."""
    organisation_subject_for(
        db,
        ids=provider.organisation_subjects,
        organisation_id=organisation_id,
        client_id=client.client_id,
        sector=client.sector,
        subject_type=client.subject_type,
    )
