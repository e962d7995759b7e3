"""The legal pages every footer links to: Impressum, Datenschutz, Erklärung zur Barrierefreiheit.

Their binding content is the operator's (§ 5 DDG, Art. 13 DSGVO, § 12b BGG with BITV 2.0 § 7);
the pages state what ServiceKonto itself knows and mark the rest as "Vom Betreiber auszufüllen".
They are plain GET pages: no session, no database, reachable before anyone signs in.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from servicekonto.web.pages import provider_of, render

router = APIRouter(include_in_schema=False)


def _operator(request: Request) -> dict[str, str]:
    """The operator's details from the settings (`SERVICEKONTO_OPERATOR_*`, `_DPO_CONTACT`)."""
    settings = provider_of(request).settings
    return {
        "name": settings.operator_name,
        "address": settings.operator_address,
        "contact": settings.operator_contact,
        "dpo": settings.dpo_contact,
    }


@router.get("/impressum")
def imprint(request: Request) -> Response:
    return render(request, "legal/impressum.html", operator=_operator(request))


@router.get("/datenschutz")
def privacy(request: Request) -> Response:
    return render(request, "legal/datenschutz.html", operator=_operator(request))


@router.get("/barrierefreiheit")
def accessibility(request: Request) -> Response:
    return render(request, "legal/barrierefreiheit.html")
