"""The JSON of every error answer, from a route, a middleware or the HTTP server itself."""

from typing import Any

from app.runs.errors import ErrorParams


def error_body(detail: str, code: str, params: ErrorParams | None = None) -> dict[str, Any]:
    """An error's JSON: the English `detail` for API clients, and the `code` and `params` a
    page says it from in its own language (app/locales, `error.<code>`)."""
    return {"detail": detail, "code": code, "params": params or {}}
