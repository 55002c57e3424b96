"""The API's documentation page, offline: Swagger UI 5 from the npm package swagger-ui-dist, shipped in
api/web/static/swagger/ (FastAPI's default page loads it from a CDN, so /docs was blank without
internet, and runs an inline script, which the CSP forbids)."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from starlette.responses import HTMLResponse

router = APIRouter(include_in_schema=False)
ASSETS = "/static/swagger"

# no inline script: the page starts Swagger UI from api/web/static/api-docs.js
_PAGE = f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Kapula API</title>
  <link rel="stylesheet" href="{ASSETS}/swagger-ui.css">
</head>
<body>
<main id="swagger-ui" data-openapi="/openapi.json"></main>
<script src="{ASSETS}/swagger-ui-bundle.js"></script>
<script src="/static/api-docs.js"></script>
</body>
</html>
"""


@router.get("/docs")
def api_docs() -> HTMLResponse:
    return HTMLResponse(_PAGE)


def install(app: FastAPI) -> None:
    """Serve /docs (its assets are among the app's static files)."""
    app.include_router(router)
