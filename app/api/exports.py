"""Downloads of a run: its step history as CSV or JSON, and a script that rebuilds it.

Routes are plain `def`: reading a run may rebuild its TensorFlow session.
"""

import csv
import io
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse

from app.api.deps import ServiceDep
from app.api.presenters import run_page_path, run_public
from app.domain.records import StepRecord
from app.domain.spec import OPTIMIZER_CLASSES, TrainingSpec
from app.i18n import messages
from app.listings.compat_v1 import compat_v1_listing
from app.listings.keras import keras_listing, keras_unavailable
from app.listings.notebook import run_notebook
from app.listings.source import STEPS, ListingLine, ListingSource, as_text
from app.listings.tf2 import tf2_listing
from app.runs.errors import InvalidRunRequestError
from app.runs.views import RunView
from app.schemas.runs import RunPublic, StepPublic
from app.storage.stored import StoredRun

router = APIRouter(prefix="/api/runs", tags=["exports"])

MAX_SCRIPT_STEPS = 10_000
CSV_COLUMNS = (
    "step",
    "b_before",
    "m_before",
    "grad_b",
    "grad_m",
    "b_after",
    "m_after",
    "loss_before",
    "loss_after",
    "diverged",
)

Flavor = Literal["compat_v1", "tf2", "keras"]
_LISTINGS: dict[Flavor, Callable[[ListingSource, int], list[ListingLine]]] = {
    "compat_v1": compat_v1_listing,
    "tf2": tf2_listing,
    "keras": keras_listing,
}
_FLAVOR_NAMES: dict[Flavor, str] = {
    "compat_v1": "tf.compat.v1: a graph and a session, as the sample",
    "tf2": "TF2: eager, with GradientTape",
    "keras": "Keras: a Dense(1) model trained by fit, to float32's last digits",
}

_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No run with this id."}}


def _attachment(response: Response, filename: str) -> Response:
    # Run ids are URL-safe base64, so the name needs no quoting beyond the quotes.
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _csv_value(value: float) -> str:
    """A number as Python writes it (it reads back exactly); overflowed values left empty."""
    return repr(value) if math.isfinite(value) else ""


def _csv_row(record: StepRecord) -> list[str]:
    numbers = (
        record.weights_before.b,
        record.weights_before.m,
        record.gradient.b,
        record.gradient.m,
        record.weights_after.b,
        record.weights_after.m,
        record.loss_before,
        record.loss_after,
    )
    return [str(record.step), *map(_csv_value, numbers), "true" if record.diverged else "false"]


def _csv_lines(rows: Iterable[Sequence[str]]) -> str:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()


def _history_csv(pages: Iterable[list[StepRecord]]) -> Iterator[str]:
    """The header, then one chunk of rows per page of the store: memory stays bounded."""
    yield _csv_lines([CSV_COLUMNS])
    for page in pages:
        yield _csv_lines(_csv_row(record) for record in page)


def _run_json(view: RunView, pages: Iterable[list[StepRecord]]) -> Iterator[str]:
    """The run as GET /api/runs/{id} answers it, with every step, written page by page."""
    public = run_public(view).model_copy(update={"history_thinned": False})
    fields = public.model_dump_json(exclude={"history"})  # An object: `{...}`.
    yield fields.removesuffix("}") + ',"history":['
    separator = ""
    for page in pages:
        yield separator + ",".join(StepPublic.of(record).model_dump_json() for record in page)
        separator = ","
    yield "]}"


@router.get(
    "/{run_id}/history.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}, **_NOT_FOUND},
)
def history_as_csv(run_id: str, service: ServiceDep) -> Response:
    """Every step of the run, one row each, as GET /api/runs/{id} reports them; a value that
    overflowed is an empty field. Streamed: any length costs the server little memory."""
    service.require_run(run_id)
    body = _history_csv(service.history.pages(run_id))
    response = StreamingResponse(body, media_type="text/csv; charset=utf-8")
    return _attachment(response, f"stepwise-{run_id}.csv")


@router.get("/{run_id}/history.json", responses=_NOT_FOUND, response_model=RunPublic)
def history_as_json(run_id: str, service: ServiceDep) -> Response:
    """The run as GET /api/runs/{id} answers it, with every step, as a file to keep."""
    view = service.get(run_id)
    body = _run_json(view, service.history.pages(run_id, up_to=view.history.last))
    response = StreamingResponse(body, media_type="application/json")
    return _attachment(response, f"stepwise-{run_id}.json")


def _training_summary(spec: TrainingSpec, num_points: int) -> str:
    batches = (
        "every point each step" if spec.batch_size is None else f"batches of {spec.batch_size}"
    )
    return (
        f"{OPTIMIZER_CLASSES[spec.optimizer]}, learning rate {spec.learning_rate!r}, "
        f"{spec.loss}, {num_points} points, {batches}"
    )


def _fork_lines(run: StoredRun, begins: str) -> list[str]:
    """Where a fork's first steps come from, or nothing for a run of its own."""
    origin = run.config.forked_from
    if origin is None:
        return []
    return [
        f"Forked from run {origin.run_id} at step {origin.step}: its steps 1 to "
        f"{origin.step} are that run's,",
        f"and so is its start, where the {begins} begins.",
    ]


def _script_header(run: StoredRun, flavor: Flavor, steps: int, page_url: str) -> str:
    """Comment lines that say which run the script reproduces and how to run it."""
    filename = _script_filename(run.id, flavor)
    summary = _training_summary(run.config.training, run.config.data.num_points)
    flavor_name = _FLAVOR_NAMES[flavor]
    lines = [
        f"Stepwise run {run.id} ({page_url})",
        f"{summary}.",
        f"Rebuilds the run in TensorFlow ({flavor_name}) and prints steps 1 to {steps}:",
        "for each, the step, the loss, b and m, the numbers of the run's history.",
        f"Run it with:  python {filename}   (needs numpy and TensorFlow 2)",
        *_fork_lines(run, "script"),
    ]
    return "".join(f"# {line}\n" for line in lines) + "\n"


def _script_filename(run_id: str, flavor: Flavor) -> str:
    return f"stepwise-{run_id}-{flavor}.py"


@router.get(
    "/{run_id}/script.py",
    response_class=Response,
    responses={
        200: {"content": {"text/x-python": {}}},
        **_NOT_FOUND,
        422: {
            "description": "Unknown flavor, steps out of range, or a run Keras cannot "
            "reproduce (RMSProp)."
        },
    },
)
def run_script(
    run_id: str,
    service: ServiceDep,
    request: Request,
    flavor: Flavor = "compat_v1",
    steps: Annotated[int | None, Query(ge=1, le=MAX_SCRIPT_STEPS)] = None,
) -> Response:
    """A standalone Python script that rebuilds the run and prints the same numbers: by
    default for as many steps as the run has (50 if it has none yet)."""
    run = service.require_run(run_id)
    count = steps or service.last_step(run_id) or STEPS
    source = ListingSource.of_run(run.config, (run.points_x, run.points_y), run.initial_state)
    if flavor == "keras" and (missing := keras_unavailable(source.spec)) is not None:
        raise InvalidRunRequestError(messages("en")[missing], field="flavor")
    page_url = str(request.base_url).rstrip("/") + run_page_path(run.id)
    body = _script_header(run, flavor, count, page_url) + as_text(_LISTINGS[flavor](source, count))
    response = Response(body, media_type="text/x-python; charset=utf-8")
    return _attachment(response, _script_filename(run.id, flavor))


@router.get(
    "/{run_id}/notebook.ipynb",
    response_class=Response,
    responses={
        200: {"content": {"application/x-ipynb+json": {}}},
        **_NOT_FOUND,
        422: {"description": "Steps out of range."},
    },
)
def run_notebook_file(
    run_id: str,
    service: ServiceDep,
    request: Request,
    steps: Annotated[int | None, Query(ge=1, le=MAX_SCRIPT_STEPS)] = None,
) -> Response:
    """A Jupyter notebook that rebuilds the run in the three listings (TF2, Keras where it can,
    compat.v1), each printing the run's numbers, and draws the sample's three panels with
    matplotlib; by default for as many steps as the run has (50 if none yet)."""
    run = service.require_run(run_id)
    count = steps or service.last_step(run_id) or STEPS
    source = ListingSource.of_run(run.config, (run.points_x, run.points_y), run.initial_state)
    page_url = str(request.base_url).rstrip("/") + run_page_path(run.id)
    summary = _training_summary(run.config.training, run.config.data.num_points)
    about = [
        f"[The run on Stepwise]({page_url}): {summary}; steps 1 to {count}.",
        *_fork_lines(run, "notebook"),
    ]
    body = run_notebook(source, count, f"Stepwise run {run.id}", [" ".join(about)])
    response = Response(body, media_type="application/x-ipynb+json")
    return _attachment(response, f"stepwise-{run.id}.ipynb")
