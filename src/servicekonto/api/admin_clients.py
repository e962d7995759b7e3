"""Admin API for OIDC clients: list, create, read, disable/enable, delete."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from servicekonto.api.auth import require_scope
from servicekonto.api.deps import Principal, client_cache, db_session, now
from servicekonto.api.problems import problems
from servicekonto.audit.service import record
from servicekonto.clients import service
from servicekonto.clients.schemas import ClientCreate, ClientCreated, ClientView

router = APIRouter(
    prefix="/api/v1/admin/clients", tags=["admin: clients"], responses=problems(401, 403)
)
admin = require_scope("admin:clients")


class ClientPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    disabled: bool


def _actor(principal: Principal) -> str:
    return f"client:{principal.client_id}"


def _dev_mode(request: Request) -> bool:
    """Only dev mode may register internal webhook targets (issue 15 item 9)."""
    return bool(request.app.state.provider.settings.dev_mode)


@router.get("", response_model=list[ClientView])
def list_clients(
    db: Session = Depends(db_session), _token: Principal = Depends(admin)
) -> list[ClientView]:
    return service.list_clients(db)


@router.post("", response_model=ClientCreated, status_code=201, responses=problems(400, 422))
def create_client(
    spec: ClientCreate,
    request: Request,
    db: Session = Depends(db_session),
    token: Principal = Depends(admin),
) -> ClientCreated:
    at = now(request)
    created = service.create_client(
        db,
        spec=spec,
        now=at,
        allow_internal_targets=_dev_mode(request),
    )
    record(
        db,
        at=at,
        event="client.created",
        actor=_actor(token),
        subject=f"client:{created.client_id}",
        request_id=request.state.request_id,
    )
    db.commit()
    return created


@router.get("/{client_id}", response_model=ClientView, responses=problems(404, 422))
def get_client(
    client_id: str, db: Session = Depends(db_session), _token: Principal = Depends(admin)
) -> ClientView:
    return service.get_client(db, client_id)


@router.patch(
    "/{client_id}", response_model=ClientView, responses=problems(400, 404, 422)
)
def patch_client(
    client_id: str,
    patch: ClientPatch,
    request: Request,
    db: Session = Depends(db_session),
    token: Principal = Depends(admin),
) -> ClientView:
    at = now(request)
    view = service.set_disabled(db, client_id=client_id, disabled=patch.disabled, now=at)
    record(
        db,
        at=at,
        event="client.disabled" if patch.disabled else "client.enabled",
        actor=_actor(token),
        subject=f"client:{client_id}",
        request_id=request.state.request_id,
    )
    db.commit()
    client_cache(request).invalidate(client_id)
    return view


@router.delete("/{client_id}", status_code=204, responses=problems(404, 422))
def delete_client(
    client_id: str,
    request: Request,
    db: Session = Depends(db_session),
    token: Principal = Depends(admin),
) -> Response:
    at = now(request)
    service.delete_client(db, client_id=client_id)
    record(
        db,
        at=at,
        event="client.deleted",
        actor=_actor(token),
        subject=f"client:{client_id}",
        request_id=request.state.request_id,
    )
    db.commit()
    client_cache(request).invalidate(client_id)
    return Response(status_code=204)
