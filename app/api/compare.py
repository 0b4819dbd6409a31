"""`/compare?runs=a,b,…`: the loss curves and weight paths of several runs, overlaid.

The page receives only the ids asked for; its script fetches each run from the JSON API, so
a run that cannot be loaded is reported on its own while the others are still compared.
"""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.api.language import LanguageDep
from app.api.templating import render_page
from app.domain.spec import OPTIMIZER_CLASSES
from app.i18n import messages

router = APIRouter(include_in_schema=False)

# One colour each from the Okabe-Ito palette, which has eight.
MAX_COMPARED_RUNS = 8


def requested_run_ids(runs: str | None) -> list[str]:
    """The ids in `?runs=`, comma-separated, in order, each once; blanks are dropped."""
    ids = (part.strip() for part in (runs or "").split(","))
    return list(dict.fromkeys(run_id for run_id in ids if run_id))


@router.get("/compare", response_class=HTMLResponse)
def compare_page(
    request: Request,
    language: LanguageDep,
    runs: str | None = None,
) -> HTMLResponse:
    context = {
        "compare": {
            "run_ids": requested_run_ids(runs),
            "max_runs": MAX_COMPARED_RUNS,
            "optimizer_classes": OPTIMIZER_CLASSES,
        },
        "messages": messages(language.chosen),
    }
    return render_page(request, "compare.html", context, language)
