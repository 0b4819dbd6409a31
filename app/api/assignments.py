"""`/new?lr=0.01&optimizer=adam&lock=lr,optimizer`: an assignment link a teacher hands out.

Each visit by a person (see app.api.navigation) starts a run with those settings, whose config
keeps the locked ones, and opens it as its owner. The run page shows the locked settings as set
by the teacher, and the server refuses a run made from it (`based_on`) that changes them.
"""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from app.api.assignment_query import QUERY_NAMES, parse_assignment
from app.api.clients import count_new_run
from app.api.deps import ServiceDep
from app.api.language import Language, LanguageDep
from app.api.navigation import is_direct_navigation, is_same_origin_post
from app.api.pages import owner_redirect, refused_post, start_page
from app.api.templating import render_page
from app.runs.errors import InvalidRunRequestError
from app.runs.service import RunService

router = APIRouter(include_in_schema=False)


def in_link_terms(error: InvalidRunRequestError) -> str:
    """The error, naming the link's query parameter rather than the API's field (the link's
    `points` reach the service as `points_csv`)."""
    parameter = QUERY_NAMES.get(error.field or "", error.field)
    return f"{parameter}: {error.problem}" if parameter else str(error)


def refused_link(
    request: Request, error: InvalidRunRequestError, language: Language
) -> HTMLResponse:
    context = {
        "title_key": "assignment.bad_title",
        "body_key": "assignment.bad_body",
        "detail": in_link_terms(error),
    }
    return render_page(request, "message.html", context, language, status_code=422)


def _start(
    request: Request, service: RunService, language: Language, started: bool
) -> RedirectResponse | HTMLResponse:
    """Start the link's run if `started`, else show the button that starts it; a wrong link
    is refused either way, before any run exists."""
    try:
        assignment = parse_assignment(request.query_params.multi_items())
        if not started:
            return start_page(request, language, assignment=True)
        count_new_run(request, service)
        view = service.create(assignment.spec, locks=assignment.locks)
    except InvalidRunRequestError as error:
        return refused_link(request, error, language)
    return owner_redirect(view, language.query)


@router.get("/new", response_model=None)
def assignment_run(
    request: Request,
    service: ServiceDep,
    language: LanguageDep,
) -> RedirectResponse | HTMLResponse:
    return _start(request, service, language, started=is_direct_navigation(request))


@router.post("/new", response_model=None)
def assignment_run_by_button(
    request: Request,
    service: ServiceDep,
    language: LanguageDep,
) -> RedirectResponse | HTMLResponse:
    if not is_same_origin_post(request):
        return refused_post(request, language)
    return _start(request, service, language, started=True)
