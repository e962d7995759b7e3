"""`/metrics` for Prometheus, closed unless the operator opens it (issue 10 #21, issue 15 #12).

Route templates, status counts and latencies tell an outsider which features are used and when,
so outside dev mode the endpoint exists only with `SERVICEKONTO_METRICS_TOKEN` (a bearer token
the scraper sends) and/or `SERVICEKONTO_METRICS_ALLOW` (addresses or networks); with both set,
a scrape must satisfy both.
"""

from __future__ import annotations

import hmac
import ipaddress

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from servicekonto.settings import Settings


def networks(allow: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """The allow-list setting parsed; ValueError for an entry that is no address or network."""
    items = [item.strip() for item in allow.split(",") if item.strip()]
    return [ipaddress.ip_network(item, strict=False) for item in items]


def metrics_router(settings: Settings) -> APIRouter:
    """The /metrics route, or no route at all (404) when closed."""
    router = APIRouter(include_in_schema=False)
    if not (settings.dev_mode or settings.metrics_token or settings.metrics_allow):
        return router
    allowed = networks(settings.metrics_allow)
    expected = f"Bearer {settings.metrics_token}".encode()

    @router.get("/metrics")
    def metrics(request: Request) -> Response:
        if allowed:
            try:
                address = ipaddress.ip_address(request.client.host if request.client else "")
            except ValueError:
                address = None
            if address is None or not any(address in network for network in allowed):
                return JSONResponse({"error": "forbidden"}, status_code=403)
        if settings.metrics_token:
            given = request.headers.get("authorization", "").encode()
            if not hmac.compare_digest(given, expected):
                return JSONResponse(
                    {"error": "unauthorized"},
                    status_code=401,
                    headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
                )
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router
