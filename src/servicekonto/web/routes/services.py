"""The service catalogue page (`/services`, issue 13 item 5): online services of the
administrations, filtered by administration, each marked or unmarked as a favourite. The
account page shows the favourites; a portal reads them with the scope `favorites`."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from servicekonto.catalogue import service as catalogue
from servicekonto.http.browser import SignedInAccount
from servicekonto.http.context import Now
from servicekonto.http.database import DbSession
from servicekonto.http.forms import PostedForm
from servicekonto.web.pages import render, see_other

router = APIRouter(include_in_schema=False)


@router.get("/services")
def services_page(request: Request, db: DbSession, signed_in: SignedInAccount) -> Response:
    chosen = request.query_params.get("administration", "")[:64] or None
    administrations = catalogue.administrations(db)
    if chosen not in {slug for slug, _ in administrations}:
        chosen = None
    page = render(
        request,
        "safe/services.html",
        services=catalogue.list_services(db, administration=chosen),
        administrations=administrations,
        chosen=chosen,
        favourite_ids=catalogue.favourite_ids(db, account_id=signed_in.account.id),
        notice=request.query_params.get("notice") in ("marked", "unmarked"),
    )
    db.commit()
    return page


@router.post("/services/{service_id}/favourite")
def toggle_favourite(
    service_id: str, form: PostedForm, db: DbSession, signed_in: SignedInAccount, now: Now
) -> Response:
    """`favourite` = `add` | `remove`; back to the filtered list."""
    account_id = signed_in.account.id
    if form.get("favourite") == "remove":
        catalogue.unmark(db, account_id=account_id, service_id=service_id)
        notice = "unmarked"
    else:
        catalogue.mark(db, account_id=account_id, service_id=service_id[:32], now=now)
        notice = "marked"
    db.commit()
    back = form.get("administration", "")
    query = f"administration={back}&" if back.replace("-", "").isalnum() else ""
    return see_other(f"/services?{query}notice={notice}#service-{service_id[:32]}")
