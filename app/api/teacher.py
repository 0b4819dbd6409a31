"""`/class`: the teacher's page. Every run on this server, newest first, and a form that makes
assignment links. It exists only when `STEPWISE_TEACHER_TOKEN` is set, and needs that token.
"""

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Cookie, Header, Query, Request
from fastapi.responses import RedirectResponse, Response

from app.api.deps import ServiceDep, SettingsDep
from app.api.pages import _page
from app.api.presenters import run_page_path
from app.api.teacher_access import (
    TEACHER_COOKIE,
    TEACHER_COOKIE_SECONDS,
    Access,
    access,
    bearer_token,
    cookie_value,
)
from app.i18n import choose_language, messages
from app.runs.locks import LOCKABLE, locks_of
from app.store import RunSummary
from app.training.spec import OPTIMIZER_CLASSES, TrainingSpec

router = APIRouter(include_in_schema=False)

RUNS_PER_PAGE = 100
MAX_PAGE = 100_000  # Far past any class; keeps the offset a small number.
_REFUSED: dict[Access, tuple[int, str]] = {
    Access.MISSING: (401, "teacher.locked_title"),
    Access.WRONG: (403, "teacher.wrong_title"),
}


def _row(summary: RunSummary) -> dict[str, Any]:
    """What the list shows of one run, from its stored config and its last step."""
    config = summary.config
    spec = TrainingSpec.from_config(config)
    return {
        "id": summary.id,
        "url": run_page_path(summary.id),
        "created": summary.created_at.strftime("%Y-%m-%d %H:%M"),  # The heading says UTC.
        "created_iso": summary.created_at.isoformat(),
        "optimizer": OPTIMIZER_CLASSES[spec.optimizer],
        "learning_rate": spec.learning_rate,
        "loss": spec.loss,
        "batch_size": spec.batch_size,
        "points": config.get("num_points"),
        "preset": config.get("preset"),
        "steps": summary.steps,
        "latest_loss": summary.latest_loss,
        "diverged": summary.diverged,
        "forked_from": config.get("forked_from"),
        "locks": locks_of(config),
    }


@router.get("/class", response_model=None)
def class_page(
    request: Request,
    service: ServiceDep,
    settings: SettingsDep,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    token: str | None = None,
    authorization: Annotated[str | None, Header()] = None,
    stepwise_teacher: Annotated[str | None, Cookie()] = None,
    lang: str | None = None,
    stepwise_lang: Annotated[str | None, Cookie()] = None,
    accept_language: Annotated[str | None, Header()] = None,
) -> Response:
    language = (lang, stepwise_lang, accept_language)
    if settings.teacher_token is None:  # The feature is off: there is no such page.
        context = {"title_key": "teacher.off_title", "body_key": "teacher.off_body"}
        return _page(request, "message.html", context, *language, status_code=404)
    expected = settings.teacher_token.get_secret_value()
    shown = token if token is not None else bearer_token(authorization)
    granted = access(expected, shown, stepwise_teacher)
    if granted is not Access.GRANTED:
        status, title = _REFUSED[granted]
        context = {"title_key": title, "body_key": "teacher.locked_body"}
        refused = _page(request, "message.html", context, *language, status_code=status)
        if status == 401:
            refused.headers["WWW-Authenticate"] = "Bearer"
        return refused
    if token is not None:
        return _signed_in(request, expected)
    summaries = service.summaries(RUNS_PER_PAGE + 1, (page - 1) * RUNS_PER_PAGE)
    listing: dict[str, Any] = {
        "rows": [_row(summary) for summary in summaries[:RUNS_PER_PAGE]],
        "page": page,
        "has_next": len(summaries) > RUNS_PER_PAGE,
        "lockable": LOCKABLE,
        "optimizers": OPTIMIZER_CLASSES,
        "messages": messages(choose_language(*language)),
    }
    return _page(request, "class.html", listing, *language)


def _signed_in(request: Request, token: str) -> RedirectResponse:
    """Trade the token in the address for a cookie, and go to the address without it."""
    rest = [(name, value) for name, value in request.query_params.multi_items() if name != "token"]
    response = RedirectResponse("/class" + (f"?{urlencode(rest)}" if rest else ""), 303)
    response.set_cookie(
        TEACHER_COOKIE,
        cookie_value(token),
        max_age=TEACHER_COOKIE_SECONDS,
        path="/class",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response
