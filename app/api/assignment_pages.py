"""`/a/{id}`: an assignment's short link, which the teacher hands out from /class.

Each visit by a person (see app.api.navigation) starts a run with the assignment's settings and
locks, recording the assignment, and opens it as its owner, as `/new?…` links do; any other
request gets the button that starts it. The run's page then shows the assignment at its top.
"""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from app.api.assignment_query import parse_assignment
from app.api.assignments import refused_link
from app.api.class_deps import AssignmentsDep
from app.api.clients import count_new_run
from app.api.deps import ServiceDep
from app.api.embedding import is_embedded
from app.api.language import Language, LanguageDep
from app.api.navigation import is_direct_navigation, is_same_origin_post
from app.api.pages import owner_redirect, refused_post, start_page
from app.api.templating import render_page
from app.runs.assignments import AssignmentBook
from app.runs.errors import InvalidRunRequestError
from app.runs.service import RunService
from app.runs.views import RunView
from app.storage.stored import RunAttribution, StoredAssignment

router = APIRouter(include_in_schema=False)


def start_assignment_run(
    service: RunService, assignment: StoredAssignment, attribution: RunAttribution
) -> RunView:
    """A new run of the assignment; InvalidRunRequestError if its settings no longer make one
    (they were checked when it was made, by this version or an older one)."""
    query = [*assignment.settings, ("lock", ",".join(assignment.locks))]
    parsed = parse_assignment(query)
    return service.create(parsed.spec, locks=parsed.locks, attribution=attribution)


def no_such_assignment(request: Request, language: Language) -> HTMLResponse:
    """404 for an assignment link or live view whose assignment does not exist."""
    context = {"title_key": "assignment.missing_title", "body_key": "assignment.missing_body"}
    return render_page(request, "message.html", context, language, status_code=404)


def _start(
    request: Request,
    service: RunService,
    book: AssignmentBook,
    language: Language,
    assignment_id: str,
    started: bool,
) -> RedirectResponse | HTMLResponse:
    assignment = book.get(assignment_id)
    if assignment is None:
        return no_such_assignment(request, language)
    if not started:
        return start_page(request, language, assignment=True)
    count_new_run(request, service)
    try:
        view = start_assignment_run(service, assignment, RunAttribution(assignment.id))
    except InvalidRunRequestError as error:
        return refused_link(request, error, language)
    return owner_redirect(view, language.query, embed=is_embedded(request))


@router.get("/a/{assignment_id}", response_model=None)
def assignment_link(
    assignment_id: str,
    request: Request,
    service: ServiceDep,
    book: AssignmentsDep,
    language: LanguageDep,
) -> RedirectResponse | HTMLResponse:
    started = is_direct_navigation(request)
    return _start(request, service, book, language, assignment_id, started)


@router.post("/a/{assignment_id}", response_model=None)
def assignment_link_by_button(
    assignment_id: str,
    request: Request,
    service: ServiceDep,
    book: AssignmentsDep,
    language: LanguageDep,
) -> RedirectResponse | HTMLResponse:
    if not is_same_origin_post(request):
        return refused_post(request, language)
    return _start(request, service, book, language, assignment_id, started=True)
