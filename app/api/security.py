"""Security headers on every response: a strict Content-Security-Policy and its companions.

A pure ASGI middleware rather than Starlette's `BaseHTTPMiddleware`, so server-sent event
streams pass through untouched (no buffering, no extra task per request).

No CORS middleware is installed on purpose: without `Access-Control-Allow-Origin`, a page on
another origin can neither read the API's answers nor send the JSON requests that change a run.
"""

from collections.abc import Sequence

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Every directive is what the pages, Plotly.js and the self-hosted Swagger UI need, no more.
_POLICY = (
    "default-src 'self'",
    # Only our own files: no inline script, no eval. The run's data reaches the page as
    # `<script type="application/json">`, which is data and never executed.
    "script-src 'self'",
    # Plotly.js inserts <style> elements and sets style attributes on the SVG it draws;
    # without 'unsafe-inline' its charts lose their modebar and hover layout.
    "style-src 'self' 'unsafe-inline'",
    # Plotly's PNG download draws the chart's SVG from a data: URL into a canvas and saves
    # a blob: URL; Swagger UI's icons are data: URLs in its stylesheet.
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
)


def content_security_policy(frame_ancestors: Sequence[str] = ()) -> str:
    """The policy, with the origins that may show Stepwise in a frame (none by default:
    STEPWISE_FRAME_ANCESTORS lists a course site's, for runs embedded in its pages)."""
    ancestors = " ".join(frame_ancestors) or "'none'"
    return "; ".join((*_POLICY, f"frame-ancestors {ancestors}"))


CONTENT_SECURITY_POLICY = content_security_policy()

SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    # The run id in a share link is the only secret a URL carries here (owner tokens stay in
    # the page's storage or in a fragment, which is never sent). `same-origin` sends no
    # Referer to any other site, and unlike `no-referrer` keeps the Origin header of the
    # page's own POST requests, which a same-origin check may rely on.
    "Referrer-Policy": "same-origin",
    # Old browsers that do not know `frame-ancestors` show Stepwise in no frame; browsers that
    # know it follow it and ignore this header.
    "X-Frame-Options": "DENY",
    # A window opened from another site cannot script ours, nor ours it.
    "Cross-Origin-Opener-Policy": "same-origin",
    # The pages use none of these; the clipboard (Copy link) is left allowed.
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}


# The pages a course site may frame (app/api/embedding.py): a run's, and an assignment's link
# with its Start button. The teacher's pages, the API and the docs stay unframeable.
FRAMABLE_PREFIXES = ("/runs/", "/a/")


class SecurityHeadersMiddleware:
    """Adds the security headers to every HTTP response that does not already set them; on
    the pages a course site may frame, the policy names `frame_ancestors`."""

    def __init__(self, app: ASGIApp, frame_ancestors: Sequence[str] = ()) -> None:
        self.app = app
        self.headers = list(SECURITY_HEADERS.items())
        framed_policy = content_security_policy(frame_ancestors)
        self.framable_headers = [
            (name, framed_policy if name == "Content-Security-Policy" else value)
            for name, value in self.headers
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        framable = scope["path"].startswith(FRAMABLE_PREFIXES)
        headers = self.framable_headers if framable else self.headers

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_headers = MutableHeaders(scope=message)
                for name, value in headers:
                    response_headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
