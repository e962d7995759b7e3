"""The catalogue of online services per administration, and people's favourites among them.

Entries are unique per (administration, name): `add` of an existing pair updates its link,
level and LeiKa key instead of failing, so the demo seed and repeated `catalogue add` are
idempotent. Favourites are rows (account, service); marking twice is one row (primary key).
A portal reads them with the OIDC scope `favorites` (`favorites_claim`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from servicekonto.catalogue.schemas import ServiceCreate, ServiceView
from servicekonto.db.models import Administration, CatalogueService, Favourite
from servicekonto.errors import InvalidInput, NotFound

#: The OIDC scope and claim of the favourites (DESIGN §9).
FAVORITES_SCOPE = "favorites"
FAVORITES_CLAIM = "favorites"


class UnknownAdministration(InvalidInput):
    code = "unknown_administration"


class ServiceNotFound(NotFound):
    code = "service_not_found"


def _views(db: Session, *where: Any) -> list[ServiceView]:
    rows = db.execute(
        select(CatalogueService, Administration.slug, Administration.name, Administration.kind)
        .join(Administration, Administration.id == CatalogueService.administration_id)
        .where(*where)
        .order_by(Administration.name, CatalogueService.name)
    ).all()
    return [
        ServiceView(
            id=s.id,
            name=s.name,
            url=s.url,
            min_level=s.min_level,
            leika=s.leika_key,
            administration=slug,
            administration_name=name,
            administration_kind=kind,
        )
        for s, slug, name, kind in rows
    ]


def add_service(db: Session, *, spec: ServiceCreate, now: datetime) -> ServiceView:
    """Add the service, or update the one of that name at that administration (module doc)."""
    administration_id = db.scalar(
        select(Administration.id).where(Administration.slug == spec.administration)
    )
    if administration_id is None:
        raise UnknownAdministration(f"no administration {spec.administration!r}")
    row = db.scalar(select(CatalogueService).where(
        CatalogueService.administration_id == administration_id,
        CatalogueService.name == spec.name,
    ))
    if row is None:
        try:
            with db.begin_nested():
                row = CatalogueService(administration_id=administration_id, name=spec.name,
                                       url=spec.url, min_level=spec.min_level,
                                       leika_key=spec.leika, created_at=now)
                db.add(row)
        except IntegrityError:  # a parallel add of the same name won; update that one
            row = db.scalar(select(CatalogueService).where(
                CatalogueService.administration_id == administration_id,
                CatalogueService.name == spec.name,
            ))
            assert row is not None
    row.url, row.min_level, row.leika_key = spec.url, spec.min_level, spec.leika
    db.flush()
    return _views(db, CatalogueService.id == row.id)[0]


def list_services(db: Session, *, administration: str | None = None) -> list[ServiceView]:
    """Every service, by administration and name; only one administration's when given."""
    if administration:
        return _views(db, Administration.slug == administration)
    return _views(db)


def get_service(db: Session, service_id: str) -> ServiceView:
    found = _views(db, CatalogueService.id == service_id[:32])
    if not found:
        raise ServiceNotFound("no such service")
    return found[0]


def remove_service(db: Session, *, service_id: str) -> None:
    """Remove the service (and the favourites of it, ON DELETE CASCADE)."""
    result = db.execute(
        delete(CatalogueService)
        .where(CatalogueService.id == service_id[:32])
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise ServiceNotFound("no such service")


def administrations(db: Session) -> list[tuple[str, str]]:
    """(slug, name) of the administrations that offer services, for the filter."""
    return [
        (slug, name)
        for slug, name in db.execute(
            select(Administration.slug, Administration.name)
            .join(CatalogueService, CatalogueService.administration_id == Administration.id)
            .distinct()
            .order_by(Administration.name)
        )
    ]


# -- favourites ------------------------------------------------------------------------------


def favourite_ids(db: Session, *, account_id: str) -> set[str]:
    return set(db.scalars(select(Favourite.service_id).where(Favourite.account_id == account_id)))


def favourites(db: Session, *, account_id: str) -> list[ServiceView]:
    return _views(
        db,
        CatalogueService.id.in_(
            select(Favourite.service_id).where(Favourite.account_id == account_id)
        ),
    )


def mark(db: Session, *, account_id: str, service_id: str, now: datetime) -> None:
    """Mark a favourite; marking it again changes nothing."""
    get_service(db, service_id)
    if db.get(Favourite, (account_id, service_id)) is not None:
        return
    try:
        with db.begin_nested():
            db.add(Favourite(account_id=account_id, service_id=service_id, created_at=now))
    except IntegrityError:
        pass


def unmark(db: Session, *, account_id: str, service_id: str) -> None:
    db.execute(
        delete(Favourite)
        .where(Favourite.account_id == account_id, Favourite.service_id == service_id[:32])
        .execution_options(synchronize_session=False)
    )


def favorites_claim(db: Session, *, account_id: str) -> list[dict[str, str | None]]:
    """The `favorites` claim: what a portal needs to link the services."""
    return [
        {"name": s.name, "url": s.url, "leika": s.leika, "administration": s.administration_name}
        for s in favourites(db, account_id=account_id)
    ]
