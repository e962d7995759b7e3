"""Admin API of the service catalogue (issue 13 item 5): list, add (or update by name), read,
remove. A client-credentials token with scope `admin:clients`, like the client admin API: the
operator who registers the portals' clients also lists their services. Changes are audited."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from servicekonto.api.auth import require_scope
from servicekonto.api.problems import problems
from servicekonto.audit.service import record
from servicekonto.catalogue import service
from servicekonto.catalogue.schemas import ServiceCreate, ServiceView
from servicekonto.http.bearer import Principal
from servicekonto.http.context import Now
from servicekonto.http.database import DbSession

router = APIRouter(
    prefix="/api/v1/admin/catalogue", tags=["admin: catalogue"], responses=problems(401, 403, 422)
)
Admin = Annotated[Principal, Depends(require_scope("admin:clients"))]


@router.get("", response_model=list[ServiceView], responses=problems(422))
def list_services(
    db: DbSession, _token: Admin, administration: str | None = None
) -> list[ServiceView]:
    return service.list_services(db, administration=administration)


@router.post("", response_model=ServiceView, status_code=201, responses=problems(400, 422))
def add_service(
    spec: ServiceCreate, request: Request, db: DbSession, token: Admin, at: Now
) -> ServiceView:
    view = service.add_service(db, spec=spec, now=at)
    record(db, at=at, event="catalogue.service_added", actor=f"client:{token.client_id}",
           subject=f"service:{view.id}", request_id=request.state.request_id)
    db.commit()
    return view


@router.get("/{service_id}", response_model=ServiceView, responses=problems(404, 422))
def get_service(service_id: str, db: DbSession, _token: Admin) -> ServiceView:
    return service.get_service(db, service_id)


@router.delete("/{service_id}", status_code=204, responses=problems(404, 422))
def remove_service(
    service_id: str, request: Request, db: DbSession, token: Admin, at: Now
) -> Response:
    service.remove_service(db, service_id=service_id)
    record(db, at=at, event="catalogue.service_removed", actor=f"client:{token.client_id}",
           subject=f"service:{service_id[:32]}", request_id=request.state.request_id)
    db.commit()
    return Response(status_code=204)
