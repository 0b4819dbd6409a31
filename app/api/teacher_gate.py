"""The gate of every teacher's page and request under `/class` (where the teacher's cookie is
sent): off without STEPWISE_TEACHER_TOKEN, the sign-in form for a page without the token, and
401 or 403 JSON for a request of the page's scripts."""

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse

from app.api.deps import SettingsDep
from app.api.language import Language
from app.api.teacher_access import TEACHER_COOKIE, Access, access, bearer_token
from app.api.templating import render_page
from app.settings import Settings

_REFUSED: dict[Access, tuple[int, str]] = {
    Access.MISSING: (401, "teacher.locked_title"),
    Access.WRONG: (403, "teacher.wrong_title"),
}
_REFUSED_JSON = {
    Access.MISSING: "this needs the teacher's token: sign in on /class",
    Access.WRONG: "that teacher token is not right",
}


def teacher_token(settings: Settings) -> str | None:
    """The token that opens the teacher's pages; None when the feature is off."""
    return None if settings.teacher_token is None else settings.teacher_token.get_secret_value()


def teacher_access(request: Request, settings: Settings) -> Access | None:
    """Whether the request shows the teacher's session cookie or bearer token; None when
    there is no teacher on this server."""
    expected = teacher_token(settings)
    if expected is None:
        return None
    shown = bearer_token(request.headers.get("authorization"))
    return access(expected, shown, request.cookies.get(TEACHER_COOKIE))


def off_page(request: Request, language: Language) -> HTMLResponse:
    """The feature is off: there is no such page."""
    context = {"title_key": "teacher.off_title", "body_key": "teacher.off_body"}
    return render_page(request, "message.html", context, language, status_code=404)


def sign_in_page(
    request: Request, refused: Access, language: Language, action: str
) -> HTMLResponse:
    """The sign-in form, posting to `action`: 401 when no token was shown, 403 for a wrong one."""
    status, title = _REFUSED[refused]
    context = {"title_key": title, "action": action}
    form = render_page(request, "class_sign_in.html", context, language, status_code=status)
    if status == 401:
        form.headers["WWW-Authenticate"] = "Bearer"
    return form


def _require_teacher(request: Request, settings: SettingsDep) -> None:
    granted = teacher_access(request, settings)
    if granted is None:
        raise HTTPException(404, "there is no teacher's page on this server")
    if granted is not Access.GRANTED:
        status, _ = _REFUSED[granted]
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        raise HTTPException(status, _REFUSED_JSON[granted], headers=headers)


# `dependencies=[TeacherOnly]` on a JSON route of the teacher's pages: answered before the
# route's body is even read.
TeacherOnly = Depends(_require_teacher)
