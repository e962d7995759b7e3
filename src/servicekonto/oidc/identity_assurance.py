"""`verified_claims` per OpenID Connect for Identity Assurance 1.0 (§5 representation).

Each released attribute carries min(attribute level, session level) (DESIGN §4, TR-03160-1 §2.3),
so claims are grouped by that effective level: one `verified_claims` element per level, whose
`verification.assurance_level` says it. Only attributes at least `substantial` by themselves are
*verified* (register + PIN letter, or eID); `basic` ones are never put under verified_claims.
The evidence names the civil-register check and the postal activation code, or the eID document
(type, issuing state, expiry) checked by its chip's cryptography — ids, no personal data. Each
`verified_claims` element carries only the evidence behind its own claims: the eID's for
attributes read from the chip, the register's and letter's for register-verified ones.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicekonto.accounts.levels import TrustLevel
from servicekonto.accounts.service import AttributeValue, attributes_of
from servicekonto.db.models import Account, IdentityEvidence

TRUST_FRAMEWORK = "de_bsi_tr_03160"


def _evidence(item: IdentityEvidence) -> list[dict[str, Any]]:
    when = item.verified_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    if item.kind == "register_letter":
        return [
            {
                "type": "electronic_record",
                "time": when,
                "check_details": [{"check_method": "data", "organization": "Melderegister"}],
                "record": {
                    "type": "population_register",
                    "source": {"name": "Melderegister", "country_code": "DEU"},
                },
            },
            {
                "type": "document",
                "time": when,
                "check_details": [
                    {
                        "check_method": "kbv",
                        "organization": "ServiceKonto",
                        "txn": item.letter_id or "",
                    }
                ],
                "document_details": {"type": "pin_letter_to_register_address"},
            },
        ]
    if item.kind == "eid":
        details = item.details or {}
        document: dict[str, Any] = {
            "type": _DOCUMENT_TYPES.get(str(details.get("document_type")), "idcard")
        }
        if details.get("issuing_state"):
            document["issuer"] = {
                "country_code": _ALPHA3.get(details["issuing_state"], details["issuing_state"])
            }
        if details.get("date_of_expiry"):
            document["date_of_expiry"] = details["date_of_expiry"]
        return [
            {
                "type": "document",
                "time": when,
                # vcrypt: the document's cryptographic security features were verified (IDA
                # predefined values); the eID-Server checks the chip's signature and validity.
                "check_details": [{"check_method": "vcrypt", "organization": "eID-Server"}],
                "document_details": document,
            }
        ]
    return []


#: eID document types (TR-03130 DocumentType) → IDA document type names.
_DOCUMENT_TYPES = {
    "ID": "idcard",
    "UB": "idcard",
    "AR": "residence_permit",
    "AS": "residence_permit",
    "AF": "residence_permit",
}
#: IDA's `country_code` is ISO 3166-1 alpha-3 (or ICAO), our attributes use alpha-2.
_ALPHA3 = {"DE": "DEU"}
#: Which evidence kinds stand behind attributes from which source.
_EVIDENCE_FOR_SOURCE = {"eid": {"eid"}, "register": {"register_letter"}}


def verified_claims(
    *,
    names: set[str],
    attributes: dict[str, AttributeValue],
    session_level: TrustLevel,
    evidence: list[IdentityEvidence],
) -> list[dict[str, Any]]:
    groups: dict[TrustLevel, dict[str, Any]] = {}
    sources: dict[TrustLevel, set[str]] = {}
    for name in sorted(names):
        attribute = attributes.get(name)
        if attribute is None or attribute.level < TrustLevel.SUBSTANTIAL:
            continue
        effective = min(attribute.level, max(session_level, TrustLevel.LOW))
        groups.setdefault(effective, {})[name] = attribute.value
        sources.setdefault(effective, set()).add(attribute.source)
    if not groups:
        return []
    out = []
    for level in sorted(groups, reverse=True):
        kinds = set().union(*(_EVIDENCE_FOR_SOURCE.get(s, set()) for s in sources[level]))
        behind = [item for item in evidence if item.kind in kinds]
        # the newest proof of each kind: an eID read at every login must not pile up
        newest = {item.kind: item for item in sorted(behind, key=lambda i: i.verified_at)}
        proofs = [e for item in newest.values() for e in _evidence(item)]
        verification: dict[str, Any] = {
            "trust_framework": TRUST_FRAMEWORK,
            "assurance_level": level.label,
        }
        if newest:
            latest = max(item.verified_at for item in newest.values())
            verification["time"] = latest.strftime("%Y-%m-%dT%H:%M:%SZ")
        if proofs:
            verification["evidence"] = proofs
        out.append({"verification": verification, "claims": groups[level]})
    return out


def as_claim(elements: list[dict[str, Any]]) -> dict[str, Any]:
    """The JSON member: one object, or an array when levels differ (IDA §5.1)."""
    if not elements:
        return {}
    return {"verified_claims": elements[0] if len(elements) == 1 else elements}


def with_element(member: dict[str, Any], element: dict[str, Any] | None) -> dict[str, Any]:
    """`member` (as `as_claim` built it) with one more `verified_claims` element (the
    organisation's, `oidc.organisation_claims`)."""
    if element is None:
        return member
    existing = member.get("verified_claims")
    elements = [] if existing is None else existing if isinstance(existing, list) else [existing]
    return as_claim([*elements, element])


def release_verified(
    db: Session, *, account: Account, names: set[str], session_level: TrustLevel
) -> dict[str, Any]:
    """The `verified_claims` member for consented, requested claims; {} when there is none."""
    if not names:
        return {}
    evidence = list(
        db.scalars(select(IdentityEvidence).where(IdentityEvidence.account_id == account.id))
    )
    return as_claim(
        verified_claims(
            names=names,
            attributes=attributes_of(account),
            session_level=session_level,
            evidence=evidence,
        )
    )
