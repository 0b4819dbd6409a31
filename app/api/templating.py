"""Pages rendered from templates/, in the language asked for, with the client's cookies."""

from functools import partial
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from app.api.clients import give_client_id
from app.api.language import Language
from app.api.module_graph import module_graph
from app.i18n import LANGUAGE_COOKIE, translate
from app.settings import PROJECT_ROOT

templates = Jinja2Templates(directory=PROJECT_ROOT / "templates")
templates.env.globals["module_graph"] = module_graph  # For templates/_module_entry.html.

LANGUAGE_COOKIE_SECONDS = 365 * 24 * 3600


def render_page(
    request: Request,
    template: str,
    context: dict[str, Any],
    language: Language,
    status_code: int = 200,
) -> HTMLResponse:
    """The page `template` with `context`, plus `lang` and `t` (its translator)."""
    lang = language.chosen
    response = templates.TemplateResponse(
        request,
        template,
        {**context, "lang": lang, "t": partial(translate, lang)},
        status_code=status_code,
    )
    if language.query == lang:  # An explicit choice is remembered for the next visit.
        response.set_cookie(LANGUAGE_COOKIE, lang, max_age=LANGUAGE_COOKIE_SECONDS, samesite="lax")
    give_client_id(request, response)
    return response
