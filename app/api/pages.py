"""HTML pages: `/` starts a run, `/runs/{id}` shows it (the link a learner shares), `/start`
is where the logo leads: the button that starts a run, and no run until it is pressed."""

from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from app.api.assignment_banner import assignment_banner
from app.api.class_deps import AssignmentsDep
from app.api.clients import count_new_run
from app.api.deps import ServiceDep
from app.api.embedding import EMBED_PARAMETER, is_compact
from app.api.language import Language, LanguageDep
from app.api.lesson import STOPS, LessonDep, stop_number
from app.api.navigation import is_direct_navigation, is_same_origin_post
from app.api.presenters import run_page_path, run_public
from app.api.templating import render_page
from app.domain.spec import OPTIMIZER_CLASSES, OPTIMIZER_SCOPES, update_op_type
from app.i18n import messages
from app.listings.compat_v1 import compat_v1_listing
from app.listings.keras import keras_listing, keras_unavailable
from app.listings.source import ListingSource
from app.listings.tf2 import tf2_listing
from app.runs.assignments import AssignmentBook
from app.runs.errors import RunNotFoundError
from app.runs.service import RunService
from app.runs.views import RunView, training_spec_of
from app.schemas.requests import RunCreate
from app.storage.stored import StoredRun

router = APIRouter(include_in_schema=False)


def _assignment_of(run: StoredRun, book: AssignmentBook, lang: str) -> dict[str, Any] | None:
    """The banner of the run's assignment (templates/_assignment.html); None for other runs."""
    assignment_id = run.attribution.assignment_id
    assignment = None if assignment_id is None else book.get(assignment_id)
    return None if assignment is None else assignment_banner(assignment, run, lang)


def _listing_source(run: StoredRun) -> ListingSource:
    return ListingSource.of_run(run.config, (run.points_x, run.points_y), run.initial_state)


def owner_redirect(
    view: RunView, lang: str | None, lesson: int | None = None, embed: bool = False
) -> RedirectResponse:
    """To the new run's page, handing its owner token to the page in the URL's fragment.

    A fragment never reaches a server or its logs; the page keeps the token and removes it
    from the address, so the link a learner copies is the view-only one. The language and a
    linked lesson stop (`/?lesson=3`) go along, and `embed` (app/api/embedding.py).
    """
    kept = {"lang": lang, "lesson": lesson, EMBED_PARAMETER: 1 if embed else None}
    kept = {name: value for name, value in kept.items() if value is not None}
    query = f"?{urlencode(kept)}" if kept else ""
    fragment = f"#{urlencode({'owner': view.owner_token})}"
    return RedirectResponse(run_page_path(view.run.id) + query + fragment, status_code=303)


def start_page(
    request: Request, language: Language, assignment: bool, path: str | None = None
) -> HTMLResponse:
    """A page whose button starts the run by POST to `path` (the address asked for unless
    given), with the request's query: for requests no person made here, and the logo's."""
    prefix = "start.assignment_" if assignment else "start."
    query = f"?{request.url.query}" if request.url.query else ""
    action = (path or request.url.path) + query
    context = {"title_key": f"{prefix}title", "body_key": f"{prefix}body", "action": action}
    return render_page(request, "start.html", context, language)


def refused_post(request: Request, language: Language) -> HTMLResponse:
    """403 for a form POST that another site sent."""
    context = {"title_key": "start.title", "body_key": "start.refused", "detail": None}
    return render_page(request, "message.html", context, language, status_code=403)


@router.get("/", response_model=None)
def start_run(
    request: Request,
    service: ServiceDep,
    language: LanguageDep,
) -> RedirectResponse | HTMLResponse:
    """Start a run of the sample for a person who opened `/`; anything else gets a button."""
    if not is_direct_navigation(request):
        return start_page(request, language, assignment=False)
    return _start_sample(request, service, language)


@router.get("/start", response_class=HTMLResponse)
def home(request: Request, language: LanguageDep) -> HTMLResponse:
    """Where the logo leads: what Stepwise does, and the button that starts a run of the
    sample. Opening it starts nothing, so a click on the logo never makes a run (nor spends
    the learner's allowance of new runs) that the learner did not ask for."""
    return start_page(request, language, assignment=False, path="/")


@router.post("/", response_model=None)
def start_run_by_button(
    request: Request,
    service: ServiceDep,
    language: LanguageDep,
) -> RedirectResponse | HTMLResponse:
    if not is_same_origin_post(request):
        return refused_post(request, language)  # Before counting: costs the client nothing.
    return _start_sample(request, service, language)


def _start_sample(request: Request, service: RunService, language: Language) -> RedirectResponse:
    """Count a new run against its client's allowance, start it and hand it to its owner."""
    count_new_run(request, service)
    lesson = stop_number(request.query_params.get("lesson"))
    return owner_redirect(service.create(RunCreate()), language.query, lesson)


@router.get("/runs/{run_id}", response_class=HTMLResponse)
def run_page(
    run_id: str,
    request: Request,
    service: ServiceDep,
    language: LanguageDep,
    lesson: LessonDep,
    book: AssignmentsDep,
) -> HTMLResponse:
    try:
        view = service.get(run_id)
    except RunNotFoundError:
        return render_page(request, "not_found.html", {"run_id": run_id}, language, status_code=404)
    chosen = language.chosen
    source = _listing_source(view.run)
    # Where Keras computes other numbers, the page says why instead of a listing.
    keras_missing = keras_unavailable(source.spec)
    compact = is_compact(request)
    if compact:  # The lesson stays out of a course page's frame unless a stop is asked for.
        lesson = replace(lesson, open=False)
    spec = training_spec_of(view.run)
    context = {
        "compact": compact,
        "run": run_public(view).model_dump(mode="json"),
        "messages": messages(chosen),
        "listings": {
            "v1": compat_v1_listing(source),
            "tf2": tf2_listing(source),
            "keras": None if keras_missing else keras_listing(source),
            "keras_unavailable": keras_missing,
        },
        "optimizer_class": OPTIMIZER_CLASSES[spec.optimizer],
        "optimizer_scope": OPTIMIZER_SCOPES[spec.optimizer],
        "update_op": update_op_type(spec),
        "lesson": lesson,
        "lesson_stops": STOPS,
        "assignment": _assignment_of(view.run, book, chosen),
    }
    return render_page(request, "run.html", context, language)
