"""The JSON API's documentation page (Swagger UI) served entirely from our own origin.

FastAPI's built-in page loads Swagger UI from a CDN and starts it with an inline script; our CSP
(`script-src 'self'`, no third-party origins) blocks both, leaving a blank page (issue 10 #8).
Here the assets come from the pinned `fastapi-offline` package (Swagger UI 5, which reads OpenAPI
3.1; we use its files only), mounted under `ASSETS_PATH`, and the start-up code is a static file
of ours (`static/api-docs.js`).
"""

from __future__ import annotations

from importlib.resources import files

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from servicekonto.web.rendering import static_url

DOCS_PATH = "/api/docs"
ASSETS_PATH = "/api/docs/assets"

router = APIRouter(include_in_schema=False)

_PAGE = f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>ServiceKonto JSON API</title>
  <link rel="stylesheet" href="{ASSETS_PATH}/swagger-ui.css">
  <link rel="icon" href="{ASSETS_PATH}/favicon.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="{ASSETS_PATH}/swagger-ui-bundle.js"></script>
  <script src="{static_url("api-docs.js")}"></script>
</body>
</html>
"""


@router.get(DOCS_PATH)
def api_docs() -> HTMLResponse:
    return HTMLResponse(_PAGE)


def assets() -> StaticFiles:
    """Swagger UI's files from the installed package (no network at build or run time)."""
    return StaticFiles(directory=str(files("fastapi_offline") / "static"))
