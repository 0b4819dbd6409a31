"""`/new?lr=0.01&optimizer=adam&lock=lr,optimizer`: an assignment link a teacher hands out.

Each visit starts a run with those settings, whose config keeps the locked ones, and opens it
as its owner. The run page shows the locked settings as set by the teacher, and the server
refuses a run made from it (`based_on`) that changes them.
"""

from typing import Annotated

from fastapi import APIRouter, Cookie, Header, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from app.api.assignment_query import parse_assignment
from app.api.deps import ServiceDep
from app.api.pages import _page, owner_redirect
from app.runs.errors import InvalidRunRequestError

router = APIRouter(include_in_schema=False)


@router.get("/new", response_model=None)
def assignment_run(
    request: Request,
    service: ServiceDep,
    lang: str | None = None,
    stepwise_lang: Annotated[str | None, Cookie()] = None,
    accept_language: Annotated[str | None, Header()] = None,
) -> RedirectResponse | HTMLResponse:
    try:
        assignment = parse_assignment(request.query_params.multi_items())
        view = service.create(assignment.spec, locks=assignment.locks)
    except InvalidRunRequestError as error:
        context = {
            "title_key": "assignment.bad_title",
            "body_key": "assignment.bad_body",
            # The link's `points` reach the service as CSV: name the parameter the link used.
            "detail": str(error).replace("points_csv:", "points:", 1),
        }
        language = (lang, stepwise_lang, accept_language)
        return _page(request, "message.html", context, *language, status_code=422)
    return owner_redirect(view, lang)
