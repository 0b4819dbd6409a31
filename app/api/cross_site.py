"""Refuse API requests that change something when a page of another site sent them.

There is no CORS, so another site cannot read the API's answers, but a browser still sends a
"simple" cross-site POST (an empty `fetch(…, {mode: "no-cors"})`, or a form) and the server
would act on it: `POST /api/runs` with no body creates a run of the sample. The browser says
where such a request comes from (`Sec-Fetch-Site`, or `Origin` on older browsers); requests
from another site are answered 403 before any route runs.
"""

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from app.api.error_body import error_body
from app.api.navigation import is_cross_site

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
API_PREFIX = "/api/"
REFUSAL = (
    "this request came from a page of another site; Stepwise's API takes changes only from "
    "its own pages and from programs"
)


class CrossSiteRefusal:
    """A pure ASGI middleware: a request passes through untouched unless it is refused."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] not in SAFE_METHODS
            and scope["path"].startswith(API_PREFIX)
            and is_cross_site(Request(scope))
        ):
            answer = JSONResponse(error_body(REFUSAL, "cross_site"), status_code=403)
            await answer(scope, receive, send)
            return
        await self.app(scope, receive, send)
