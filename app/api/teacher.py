"""`/class`: the teacher's page. Every run on this server, newest first, the assignments with
the form that makes them (and plain assignment links), and the store's usage against its
budget. It exists only when `STEPWISE_TEACHER_TOKEN` is set, and needs that token: without it,
the page is a sign-in form that posts the token (never in an address) to `/class`.
"""

from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Cookie, Header, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.api.class_assignments import assignment_paths
from app.api.class_deps import AssignmentsDep
from app.api.deps import ServiceDep, SettingsDep
from app.api.language import Language, LanguageDep
from app.api.presenters import run_page_path
from app.api.teacher_access import (
    TEACHER_COOKIE,
    TEACHER_COOKIE_SECONDS,
    Access,
    access,
    bearer_token,
    sent_from_this_site,
    session_cookie,
)
from app.api.teacher_gate import off_page, sign_in_page, teacher_token
from app.api.templating import render_page
from app.domain.spec import OPTIMIZER_CLASSES
from app.i18n import messages
from app.runs.setting_locks import LOCKABLE
from app.storage.retention import MIB, StorageKeeper, megabytes
from app.storage.stored import RunSummary, StoredAssignment

router = APIRouter(include_in_schema=False)

RUNS_PER_PAGE = 100
ASSIGNMENTS_SHOWN = 50  # The newest; each one's live view links its runs.
MAX_PAGE = 100_000  # Far past any class; keeps the offset a small number.


def _row(summary: RunSummary) -> dict[str, Any]:
    """What the list shows of one run, from its stored config and its last step."""
    config = summary.config
    spec = config.training
    return {
        "id": summary.id,
        "url": run_page_path(summary.id),
        "created": summary.created_at.strftime("%Y-%m-%d %H:%M"),  # The heading says UTC.
        "created_iso": summary.created_at.isoformat(),
        "optimizer": OPTIMIZER_CLASSES[spec.optimizer],
        "learning_rate": spec.learning_rate,
        "loss": spec.loss,
        "batch_size": spec.batch_size,
        "points": config.data.num_points,
        "preset": config.data.preset,
        "steps": summary.steps,
        "latest_loss": summary.latest_loss,
        "diverged": summary.diverged,
        "forked_from": config.forked_from,
        "locks": config.locks,
        "name": summary.attribution.display_name,
        "by_teacher": summary.attribution.by_teacher,
    }


def _assignment_row(assignment: StoredAssignment) -> dict[str, Any]:
    return {
        "id": assignment.id,
        "title": assignment.title,
        "created": assignment.created_at.strftime("%Y-%m-%d %H:%M"),
        "created_iso": assignment.created_at.isoformat(),
        **assignment_paths(assignment),
    }


def _budget_megabytes(size: int) -> str:
    """The budget as its setting is written: no decimals if it has none."""
    whole = round(size / MIB)
    return f"{whole:,}" if abs(size / MIB - whole) < 0.005 else megabytes(size)


def _storage(keeper: StorageKeeper) -> dict[str, Any]:
    """What the page shows of the store: its size against the budget, its runs and steps, the
    retention policy, and what this process's last sweep did."""
    usage = keeper.usage()
    budget = keeper.budget_bytes
    percent = 100 * usage.bytes_used / budget
    last = keeper.last_sweep
    return {
        "used_mb": megabytes(usage.bytes_used),
        "budget_mb": _budget_megabytes(budget),
        "percent": f"{percent:.1f}",
        "meter": round(min(percent, 100.0), 1),
        "runs": f"{usage.runs:,}",
        "steps": f"{usage.steps:,}",
        "retention_days": keeper.retention_days,
        "recent_minutes": round(keeper.recently_active_seconds / 60),
        "full": last is not None and last.budget_full,
        "last_sweep": None
        if last is None
        else {
            "time": last.finished_at.strftime("%Y-%m-%d %H:%M"),  # UTC, as the text says.
            "iso": last.finished_at.isoformat(),
            "expired_runs": f"{last.expired.runs:,}",
            "expired_steps": f"{last.expired.steps:,}",
            "evicted_runs": f"{last.evicted.runs:,}",
            "evicted_steps": f"{last.evicted.steps:,}",
            "deleted": last.deleted.runs,
        },
    }


@router.get("/class", response_model=None)
def class_page(
    request: Request,
    service: ServiceDep,
    settings: SettingsDep,
    language: LanguageDep,
    book: AssignmentsDep,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    token: str | None = None,
    authorization: Annotated[str | None, Header()] = None,
    stepwise_teacher: Annotated[str | None, Cookie()] = None,
) -> Response:
    expected = teacher_token(settings)
    if expected is None:
        return off_page(request, language)
    # `?token=` is still taken, for links made before the sign-in form; the access log never
    # shows its value (app.log_redaction), and the answer leaves the address at once.
    shown = token if token is not None else bearer_token(authorization)
    granted = access(expected, shown, stepwise_teacher)
    if granted is not Access.GRANTED:
        return _sign_in_form(request, granted, language)
    if token is not None:
        return _signed_in(request, expected)
    summaries = service.summaries(RUNS_PER_PAGE + 1, (page - 1) * RUNS_PER_PAGE)
    listing: dict[str, Any] = {
        "rows": [_row(summary) for summary in summaries[:RUNS_PER_PAGE]],
        "page": page,
        "has_next": len(summaries) > RUNS_PER_PAGE,
        "lockable": LOCKABLE,
        "optimizers": OPTIMIZER_CLASSES,
        "storage": _storage(request.app.state.storage),
        "assignments": [_assignment_row(a) for a in book.newest(ASSIGNMENTS_SHOWN)],
        "messages": messages(language.chosen),
    }
    return render_page(request, "class.html", listing, language)


@router.post("/class", response_model=None)
async def sign_in(request: Request, settings: SettingsDep, language: LanguageDep) -> Response:
    """The sign-in form's token, traded for the session cookie."""
    expected = teacher_token(settings)
    if expected is None:
        return off_page(request, language)
    if not sent_from_this_site(request.headers):
        raise HTTPException(403, "Sign in from the form on this server's /class page.")
    # The form's one field, read without a form parser (python-multipart); the body is at
    # most STEPWISE_MAX_BODY_BYTES. A post without the field is answered as no token at all.
    form = dict(parse_qsl((await request.body()).decode("utf-8", "replace")))
    granted = access(expected, form.get("token"), None)
    if granted is not Access.GRANTED:
        return _sign_in_form(request, granted, language)
    return _signed_in(request, expected)


def _sign_in_form(request: Request, refused: Access, language: Language) -> HTMLResponse:
    return sign_in_page(request, refused, language, _class_address(request))


def _class_address(request: Request) -> str:
    """This page's address without a token: where the form posts, and signing in leads."""
    rest = [(name, value) for name, value in request.query_params.multi_items() if name != "token"]
    return "/class" + (f"?{urlencode(rest)}" if rest else "")


def _signed_in(request: Request, token: str) -> RedirectResponse:
    """The session cookie for the teacher, and on to the page's address without the token."""
    response = RedirectResponse(_class_address(request), 303)
    response.set_cookie(
        TEACHER_COOKIE,
        session_cookie(token),
        max_age=TEACHER_COOKIE_SECONDS,
        path="/class",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response
