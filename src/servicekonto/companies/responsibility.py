"""Which administration reviews an organisation: from its business address's postal code.

DESIGN §5: "The responsible administration is derived from the business address". The
Gewerbeamt is the Verbandsgemeinde of the place of business (companies-domain.md §3.2), so:

1. the postal code belongs to exactly one administration (a Verbandsgemeinde, or a Kreis that
   lists codes of its own) → that one;
2. it belongs to several (a postal code that spans two Verbandsgemeinden, e.g. 56826 in the
   demo, shared by Cochem and Ulmen) → the nearest administration above all of them, the Kreis,
   since the postal code alone cannot tell which Verbandsgemeinde it is;
3. it belongs to none → `OutsideRegion`: this ServiceKonto serves no administration there.

The administrations are a handful of rows, read at once; the postal codes are a JSON list per
administration, matched in Python the same way on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicekonto.companies.errors import OutsideRegion, ResponsibilityUnclear
from servicekonto.db.models import Administration

_POSTAL_CODE = re.compile(r"[0-9]{5}")


@dataclass(frozen=True)
class Responsible:
    administration_id: str
    slug: str
    name: str


@dataclass(frozen=True)
class _Node:
    id: str
    slug: str
    name: str
    parent_id: str | None
    postal_codes: frozenset[str]


def responsible_administration(db: Session, *, postal_code: str) -> Responsible:
    """The administration responsible for a business address with this postal code."""
    if not _POSTAL_CODE.fullmatch(postal_code):
        raise OutsideRegion("postal code must be five digits")
    nodes = {
        row.id: _Node(
            row.id, row.slug, row.name, row.parent_id,
            frozenset(str(code) for code in row.postal_codes or []),
        )
        for row in db.execute(
            select(
                Administration.id, Administration.slug, Administration.name,
                Administration.parent_id, Administration.postal_codes,
            )
        )
    }
    candidates = [node for node in nodes.values() if postal_code in node.postal_codes]
    if not candidates:
        raise OutsideRegion(
            "the business address lies outside the region served here; no administration "
            "is responsible for this postal code"
        )
    if len(candidates) == 1:
        return _responsible(candidates[0])
    chains = [_ancestors(node, nodes) for node in candidates]
    shared = set(chains[0]).intersection(*chains[1:])
    for node_id in chains[0]:  # nearest first
        if node_id in shared:
            return _responsible(nodes[node_id])
    raise ResponsibilityUnclear(
        "the postal code belongs to several administrations without a common superior one"
    )


def _ancestors(node: _Node, nodes: dict[str, _Node]) -> list[str]:
    """The node and the administrations above it, nearest first (cycles cut)."""
    chain: list[str] = []
    current: _Node | None = node
    while current is not None and current.id not in chain:
        chain.append(current.id)
        current = nodes.get(current.parent_id) if current.parent_id else None
    return chain


def _responsible(node: _Node) -> Responsible:
    return Responsible(administration_id=node.id, slug=node.slug, name=node.name)
