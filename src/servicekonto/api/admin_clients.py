"""Admin API for OIDC clients: list, create, read, disable/enable, delete."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict

from servicekonto.api.auth import require_scope
from servicekonto.api.problems import problems
from servicekonto.audit.service import record
from servicekonto.clients import service
from servicekonto.clients.schemas import ClientCreate, ClientCreated, ClientView
from servicekonto.http.bearer import Principal
from servicekonto.http.context import Context, Now
from servicekonto.http.database import DbSession

router = APIRouter(
    prefix="/api/v1/admin/clients", tags=["admin: clients"], responses=problems(401, 403)
)
Admin = Annotated[Principal, Depends(require_scope("admin:clients"))]


class ClientPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    disabled: bool


def _actor(principal: Principal) -> str:
    return f"client:{principal.client_id}"


@router.get("", response_model=list[ClientView])
def list_clients(db: DbSession, _token: Admin) -> list[ClientView]:
    return service.list_clients(db)


@router.post("", response_model=ClientCreated, status_code=201, responses=problems(400, 422))
def create_client(
    spec: ClientCreate,
    request: Request,
    db: DbSession,
    token: Admin,
    context: Context,
    at: Now,
) -> ClientCreated:
    created = service.create_client(
        db,
        spec=spec,
        now=at,
        # Only dev mode may register internal webhook targets (issue 15 item 9).
        allow_internal_targets=context.settings.dev_mode,
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
def get_client(client_id: str, db: DbSession, _token: Admin) -> ClientView:
    return service.get_client(db, client_id)


@router.patch(
    "/{client_id}", response_model=ClientView, responses=problems(400, 404, 422)
)
def patch_client(
    client_id: str,
    patch: ClientPatch,
    request: Request,
    db: DbSession,
    token: Admin,
    context: Context,
    at: Now,
) -> ClientView:
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
    context.clients.invalidate(client_id)
    return view


@router.delete("/{client_id}", status_code=204, responses=problems(404, 422))
def delete_client(
    client_id: str,
    request: Request,
    db: DbSession,
    token: Admin,
    context: Context,
    at: Now,
) -> Response:
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
    context.clients.invalidate(client_id)
    return Response(status_code=204)
