"""Pages rendered from templates/, in the language asked for, with the client's cookies."""

from functools import partial
from typing import Any
from weakref import WeakKeyDictionary

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from starlette.applications import Starlette

from app.api.clients import give_client_id
from app.api.embedding import is_embedded
from app.api.language import Language
from app.api.module_graph import module_graph
from app.i18n import LANGUAGE_COOKIE, translate
from app.settings import PROJECT_ROOT

templates = Jinja2Templates(directory=PROJECT_ROOT / "templates")
templates.env.globals["module_graph"] = module_graph  # For templates/_module_entry.html.


# Per app (tests make many), the address of each file its pages name.
_file_urls: WeakKeyDictionary[Starlette, dict[tuple[str, str], str]] = WeakKeyDictionary()


@pass_context
def _file_url(context: dict[str, Any], name: str, /, path: str) -> str:
    """The address of a file the app serves (`url_for('static', path=…)` in a template).

    A path on this host, looked up once per file: a run page names about seventy files, and
    Starlette's own `url_for` walks the routes for each of them on every page it renders.
    """
    app: Starlette = context["request"].app
    known = _file_urls.setdefault(app, {})
    url = known.get((name, path))
    if url is None:
        url = known[name, path] = str(app.url_path_for(name, path=path))
    return url


templates.env.globals["url_for"] = _file_url

LANGUAGE_COOKIE_SECONDS = 365 * 24 * 3600


def render_page(
    request: Request,
    template: str,
    context: dict[str, Any],
    language: Language,
    status_code: int = 200,
) -> HTMLResponse:
    """The page `template` with `context`, plus `lang`, `t` (its translator) and `embed`
    (whether it is shown in another site's frame: app/api/embedding.py)."""
    lang = language.chosen
    response = templates.TemplateResponse(
        request,
        template,
        {**context, "lang": lang, "t": partial(translate, lang), "embed": is_embedded(request)},
        status_code=status_code,
    )
    if language.query == lang:  # An explicit choice is remembered for the next visit.
        response.set_cookie(LANGUAGE_COOKIE, lang, max_age=LANGUAGE_COOKIE_SECONDS, samesite="lax")
    give_client_id(request, response)
    return response
