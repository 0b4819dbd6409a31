"""`/docs`: Swagger UI served from the app itself, under the same strict CSP as every page.

FastAPI's own `/docs` loads Swagger UI from a CDN and starts it with an inline script, which
`script-src 'self'` forbids and an offline classroom cannot load. Here the Swagger UI files come
from the `fastapi-offline` package (only its static files are used) and a small script of ours
starts it. ReDoc is not offered: it starts a web worker from a blob: URL.
"""

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from app.settings import PROJECT_ROOT

SWAGGER_UI_DIR = Path(fastapi_offline.__file__).parent / "static"

router = APIRouter(include_in_schema=False)

templates = Jinja2Templates(directory=PROJECT_ROOT / "templates")


@router.get("/docs", response_class=HTMLResponse)
def api_docs(request: Request) -> HTMLResponse:
    openapi_url = request.app.openapi_url or "/openapi.json"
    return templates.TemplateResponse(
        request, "api_docs.html", {"title": request.app.title, "openapi_url": openapi_url}
    )


def install_api_docs(app: FastAPI) -> None:
    """Serve `/docs` and its files; the app must be created with `docs_url=None`."""
    app.include_router(router)
    app.mount("/vendor/swagger-ui", StaticFiles(directory=SWAGGER_UI_DIR), name="swagger-ui")
