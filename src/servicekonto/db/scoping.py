"""Scope a query to the administrations a staff member may see (netbox's `restrict()` idea).

`restrict(select(Letter), staff=account_id, role=LETTER_DISPATCH)` adds one WHERE: the row's
administration is one where the account holds the role. The statement's first entity says how it
names its administration — an `administration_id` column, or (letters) an `administration_slug`.
A row of no administration is never in scope. Works on SELECT and UPDATE alike, so a staff member
can neither see nor change what is not theirs. `role` may also be a tuple of roles: any of them
gives the scope (officers and supervisors see the same registrations).
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, Update, select
from sqlalchemy.sql.elements import ColumnElement

from servicekonto.db.models.administration import Administration
from servicekonto.db.models.staff import StaffRole

#: Any SELECT (of any columns) or UPDATE.
Statement = TypeVar("Statement", bound="Select[*tuple[Any, ...]] | Update")


#: One role, or several of which any one will do.
Roles = str | tuple[str, ...]


def administration_ids(*, staff: str, role: Roles) -> Select[str]:
    """The ids of the administrations where `staff` holds `role` (or one of the roles), as a
    subquery."""
    held = StaffRole.role == role if isinstance(role, str) else StaffRole.role.in_(role)
    return select(StaffRole.administration_id).where(StaffRole.account_id == staff, held)


def restrict(statement: Statement, *, staff: str, role: Roles) -> Statement:
    """`statement` limited to rows of the administrations where `staff` holds `role`."""
    scoped = statement.where(_in_scope(_entity(statement), staff=staff, role=role))
    return scoped  # type: ignore[return-value]  # `where` keeps the statement's own type


def _entity(statement: Select[*tuple[Any, ...]] | Update) -> Any:
    if isinstance(statement, Update):
        return statement.entity_description["entity"]
    return statement.column_descriptions[0]["entity"]


def _in_scope(entity: Any, *, staff: str, role: Roles) -> ColumnElement[bool]:
    ids = administration_ids(staff=staff, role=role)
    if hasattr(entity, "administration_id"):
        return entity.administration_id.in_(ids)  # type: ignore[no-any-return]
    if hasattr(entity, "administration_slug"):
        slugs = select(Administration.slug).where(Administration.id.in_(ids))
        return entity.administration_slug.in_(slugs)  # type: ignore[no-any-return]
    raise TypeError(f"{entity!r} belongs to no administration; it cannot be scoped to staff")
