"""HTML pages: `/` starts a run, `/runs/{id}` shows it (the link a learner shares)."""

from pathlib import Path

import plotly
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from app.api.deps import ServiceDep
from app.api.presenters import run_page_path, run_public
from app.config import PROJECT_ROOT
from app.runs.service import RunNotFoundError
from app.schemas import RunCreate

router = APIRouter(include_in_schema=False)

templates = Jinja2Templates(directory=PROJECT_ROOT / "templates")

# Served from the installed package, so the page needs nothing from the internet.
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


@router.get("/")
def start_run(service: ServiceDep) -> RedirectResponse:
    view = service.create(RunCreate())
    return RedirectResponse(run_page_path(view.run.id), status_code=303)


@router.get("/runs/{run_id}", response_class=HTMLResponse)
def run_page(run_id: str, request: Request, service: ServiceDep) -> HTMLResponse:
    try:
        view = service.get(run_id)
    except RunNotFoundError:
        return templates.TemplateResponse(
            request, "not_found.html", {"run_id": run_id}, status_code=404
        )
    return templates.TemplateResponse(
        request, "run.html", {"run": run_public(view).model_dump(mode="json")}
    )


@router.get("/vendor/plotly.min.js")
def plotly_js() -> FileResponse:
    return FileResponse(PLOTLY_JS, media_type="text/javascript")
