"""Interactive API docs served from the bundled Swagger UI (no CDN: works offline and under a
same-origin CSP)."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

DOCS_PATH = "/api/docs"
ASSETS_PATH = "/api/docs/assets"
# Swagger UI's page starts itself with an inline script; allow it on this page only.
DOCS_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'unsafe-inline'; frame-ancestors 'none'"
)


def install_api_docs(app: FastAPI, *, openapi_url: str) -> None:
    app.mount(ASSETS_PATH, StaticFiles(directory=swagger_ui_path), name="api-docs-assets")

    async def docs() -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url=openapi_url,
            title="Shopwright API",
            swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_PATH}/favicon-32x32.png",
        )
        page.headers["Content-Security-Policy"] = DOCS_CSP
        return page

    app.add_api_route(DOCS_PATH, docs, include_in_schema=False, response_class=HTMLResponse)
