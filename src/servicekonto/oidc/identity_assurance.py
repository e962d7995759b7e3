"""`verified_claims` per OpenID Connect for Identity Assurance 1.0 (§5 representation).

Each released attribute carries min(attribute level, session level) (DESIGN §4, TR-03160-1 §2.3),
so claims are grouped by that effective level: one `verified_claims` element per level, whose
`verification.assurance_level` says it. Only attributes at least `substantial` by themselves are
*verified* (register + PIN letter, or eID); `basic` ones are never put under verified_claims.
The evidence names the civil-register check and the postal activation code — ids, no data.
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
    return []


def verified_claims(
    *,
    names: set[str],
    attributes: dict[str, AttributeValue],
    session_level: TrustLevel,
    evidence: list[IdentityEvidence],
) -> list[dict[str, Any]]:
    groups: dict[TrustLevel, dict[str, Any]] = {}
    for name in sorted(names):
        attribute = attributes.get(name)
        if attribute is None or attribute.level < TrustLevel.SUBSTANTIAL:
            continue
        effective = min(attribute.level, max(session_level, TrustLevel.LOW))
        groups.setdefault(effective, {})[name] = attribute.value
    if not groups:
        return []
    proofs = [e for item in evidence for e in _evidence(item)]
    latest = max((item.verified_at for item in evidence), default=None)
    out = []
    for level in sorted(groups, reverse=True):
        verification: dict[str, Any] = {
            "trust_framework": TRUST_FRAMEWORK,
            "assurance_level": level.label,
        }
        if latest is not None:
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
