"""The teacher's assignments, under `/class` (where the teacher's cookie is sent):

- `POST /class/assignments` (JSON, from the form on /class) makes one, with its short link;
- `GET /class/assignments/{id}` is its live view (static/js/class-page/live-view.js), whose
  figures come from app/api/class_live.py;
- `POST /class/assignments/{id}/runs` starts a run of it as the teacher, and
  `POST /class/runs/{id}/fork` forks a student's run as the teacher, to show the class: both
  forms of the live view, both marked as the teacher's, which the live view keeps apart.
"""

from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from app.api.assignment_banner import LOCK_LABELS
from app.api.assignment_pages import no_such_assignment, start_assignment_run
from app.api.assignment_query import NOT_SETTINGS, parse_assignment
from app.api.assignments import in_link_terms, refused_link
from app.api.class_deps import AssignmentsDep
from app.api.clients import count_new_run
from app.api.deps import ServiceDep, SettingsDep
from app.api.embedding import iframe_snippet
from app.api.language import Language, LanguageDep
from app.api.pages import owner_redirect
from app.api.teacher_access import Access, sent_from_this_site
from app.api.teacher_gate import TeacherOnly, off_page, sign_in_page, teacher_access
from app.api.templating import render_page
from app.domain.spec import OPTIMIZER_CLASSES
from app.i18n import messages, translate
from app.runs.errors import InvalidRunRequestError, RunNotFoundError
from app.schemas.assignments import AssignmentCreate
from app.settings import Settings
from app.storage.stored import RunAttribution, StoredAssignment

router = APIRouter(include_in_schema=False)

MAX_SETTINGS = 40  # Query parameters of an assignment's settings: every setting, once.


def assignment_paths(assignment: StoredAssignment) -> dict[str, str]:
    """The assignment's short link, which students follow, and its live view."""
    return {"link": f"/a/{assignment.id}", "live": f"/class/assignments/{assignment.id}"}


async def _sent_from_this_site(request: Request) -> None:
    # SameSite=Strict keeps the teacher's cookie off other sites' requests; this refuses them
    # even where a browser would send it, as the sign-in form does.
    if not sent_from_this_site(request.headers):
        raise HTTPException(403, "send this from the teacher's page on this server")


SameSiteOnly = Depends(_sent_from_this_site)


@router.post("/class/assignments", status_code=201, dependencies=[SameSiteOnly, TeacherOnly])
def create_assignment(body: AssignmentCreate, book: AssignmentsDep) -> dict[str, Any]:
    """A new assignment from the form on /class; 422 names a wrong setting as the link does."""
    try:
        items = parse_qsl(body.settings, keep_blank_values=True, max_num_fields=MAX_SETTINGS)
    except ValueError:  # More fields than there are settings.
        raise InvalidRunRequestError(f"settings: at most {MAX_SETTINGS} parameters") from None
    settings = [(name, value) for name, value in items if name not in NOT_SETTINGS]
    try:
        parsed = parse_assignment(items)
        assignment = book.create(body.title, body.instructions, settings, parsed.spec, parsed.locks)
    except InvalidRunRequestError as error:
        raise InvalidRunRequestError(in_link_terms(error)) from None
    return {"id": assignment.id, "title": assignment.title, **assignment_paths(assignment)}


def _gate(request: Request, settings: Settings, language: Language) -> HTMLResponse | None:
    """The page a teacher's page shows instead when this is no signed-in teacher."""
    granted = teacher_access(request, settings)
    if granted is None:
        return off_page(request, language)
    if granted is not Access.GRANTED:
        return sign_in_page(request, granted, language, "/class")
    return None


@router.get("/class/assignments/{assignment_id}", response_model=None)
def live_view_page(
    assignment_id: str,
    request: Request,
    settings: SettingsDep,
    book: AssignmentsDep,
    language: LanguageDep,
) -> Response:
    refused = _gate(request, settings, language)
    if refused is not None:
        return refused
    assignment = book.get(assignment_id)
    if assignment is None:
        return no_such_assignment(request, language)
    paths = assignment_paths(assignment)
    link = str(request.base_url).rstrip("/") + paths["link"]
    context = {
        "assignment": assignment,
        "link": link,
        "embed_snippet": iframe_snippet(link, assignment.title),
        "frame_ancestors": settings.frame_ancestors,
        "paths": paths,
        "locks": [translate(language.chosen, LOCK_LABELS[name]) for name in assignment.locks],
        "optimizers": OPTIMIZER_CLASSES,
        "messages": messages(language.chosen),
    }
    return render_page(request, "class_assignment.html", context, language)


def _refused_form(request: Request, language: Language, settings: Settings) -> Response | None:
    if not sent_from_this_site(request.headers):
        raise HTTPException(403, "send this from the teacher's page on this server")
    return _gate(request, settings, language)


@router.post("/class/assignments/{assignment_id}/runs", response_model=None)
def start_as_teacher(
    assignment_id: str,
    request: Request,
    service: ServiceDep,
    settings: SettingsDep,
    book: AssignmentsDep,
    language: LanguageDep,
) -> Response:
    """A run of the assignment for the teacher to show, marked as the teacher's."""
    refused = _refused_form(request, language, settings)
    if refused is not None:
        return refused
    assignment = book.get(assignment_id)
    if assignment is None:
        return no_such_assignment(request, language)
    count_new_run(request, service)
    attribution = RunAttribution(assignment.id, by_teacher=True)
    try:
        view = start_assignment_run(service, assignment, attribution)
    except InvalidRunRequestError as error:
        return refused_link(request, error, language)
    return owner_redirect(view, language.query)


async def _posted_step(request: Request) -> int:
    """The fork form's one field, read without a form parser; -1 (refused) if it is no number."""
    body = (await request.body()).decode("utf-8", "replace")
    try:
        return int(dict(parse_qsl(body, max_num_fields=4)).get("step", ""))
    except ValueError:
        return -1


PostedStep = Annotated[int, Depends(_posted_step)]


@router.post("/class/runs/{run_id}/fork", response_model=None)
def fork_as_teacher(
    run_id: str,
    step: PostedStep,
    request: Request,
    service: ServiceDep,
    settings: SettingsDep,
    language: LanguageDep,
) -> Response:
    """A student's run forked at the step the form gives, for the teacher to show the class:
    the teacher's own copy, kept on the assignment among the teacher's runs."""
    refused = _refused_form(request, language, settings)
    if refused is not None:
        return refused
    count_new_run(request, service)
    try:
        source = service.require_run(run_id)
        attribution = RunAttribution(source.attribution.assignment_id, by_teacher=True)
        view = service.fork(run_id, step, attribution=attribution)
    except (InvalidRunRequestError, RunNotFoundError) as error:
        context = {
            "title_key": "live.fork_failed",
            "body_key": "live.fork_failed_body",
            "detail": str(error),
        }
        status = 404 if isinstance(error, RunNotFoundError) else 422
        return render_page(request, "message.html", context, language, status_code=status)
    return owner_redirect(view, language.query)
