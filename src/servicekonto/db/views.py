"""Frozen views of ORM rows, built one way (DESIGN §6 #9: ORM models never leave the services).

A service's view dataclass names its fields after the row's columns; `view_of` copies those and
takes the rest (values the service computes or loads beside the row) as keywords. A field the
row lacks and no keyword gives fails at once (AttributeError), in the first test that builds it.
"""

from __future__ import annotations

from dataclasses import fields
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

View = TypeVar("View", bound="DataclassInstance")


def view_of(view: type[View], row: object, **computed: Any) -> View:
    """`view` with each field from `row`'s attribute of the same name, unless in `computed`."""
    copied = {f.name: getattr(row, f.name) for f in fields(view) if f.name not in computed}
    return view(**copied, **computed)
