"""`GET /class/assignments/{id}/summary`: what the teacher's live view of an assignment shows,
asked for every 1.5 s by static/js/class-page/live-view.js.

Every run of the assignment (the newest MAX_RUNS_SHOWN) with who it is, its settings, where it
stands and when it was last active; its loss curve only if it changed since `since` (the `now`
of the page's previous answer), so that a class that sits still costs a few hundred bytes a
refresh. Two statements at most a refresh (app/runs/class_live.py).
"""

import math
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import JSONResponse

from app.api.class_deps import AssignmentsDep, LiveCurvesDep
from app.api.presenters import run_page_path
from app.api.teacher_gate import TeacherOnly
from app.domain.spec import OPTIMIZER_CLASSES
from app.runs.class_live import MAX_CURVE_POINTS, LiveRun

router = APIRouter(include_in_schema=False)

# A curve that changed this long before `since` is sent again: replicas behind nginx see a
# change each at their own moment, and their clocks may differ a little.
SINCE_MARGIN = timedelta(seconds=5)


def _chart_number(value: float | None) -> float | None:
    """Four significant digits, what a chart can show; null for what overflowed."""
    if value is None or not math.isfinite(value):
        return None
    return float(f"{value:.4g}")


def _run(run: LiveRun, with_curve: bool) -> dict[str, Any]:
    head = run.head
    training = head.config.training
    origin = head.config.forked_from
    return {
        "id": head.id,
        "url": run_page_path(head.id),
        "name": head.attribution.display_name,
        "teacher": head.attribution.by_teacher,
        "created_at": head.created_at.isoformat(),
        "optimizer": OPTIMIZER_CLASSES[training.optimizer],
        "learning_rate": training.learning_rate,
        # The decay's name, as the settings cell says it; null for a constant rate.
        "schedule": None if training.schedule is None else training.schedule.name,
        "steps": head.steps,
        "latest_loss": _chart_number(head.latest_loss),
        "diverged": head.diverged,
        # The last step with a state to continue from: a diverged step has none.
        "fork_step": head.steps - 1 if head.diverged else head.steps,
        "last_activity": run.last_activity.isoformat(),
        "forked_from": None if origin is None else {"run_id": origin.run_id, "step": origin.step},
        "curve": {"stride": run.stride, "losses": [_chart_number(v) for v in run.losses]}
        if with_curve
        else None,
    }


def _cutoff(since: datetime | None) -> datetime | None:
    """The moment after which a curve's change is sent: `since` (UTC when it names no zone)
    less the margin. None sends every curve: without `since`, or for one so near the first
    moment datetime holds (or the last) that UTC or the margin goes past it."""
    if since is None:
        return None
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    try:
        return since.astimezone(UTC) - SINCE_MARGIN
    except OverflowError:
        return None


@router.get("/class/assignments/{assignment_id}/summary", dependencies=[TeacherOnly])
def live_summary(
    assignment_id: str,
    book: AssignmentsDep,
    curves: LiveCurvesDep,
    since: Annotated[datetime | None, Query()] = None,
) -> JSONResponse:
    assignment = book.get(assignment_id)
    if assignment is None:
        raise HTTPException(404, "no such assignment")
    snapshot = curves.snapshot(assignment.id)
    cutoff = _cutoff(since)
    body = {
        "assignment": {"id": assignment.id, "title": assignment.title},
        "now": snapshot.taken_at.isoformat(),
        "runs": [_run(run, cutoff is None or run.changed_at >= cutoff) for run in snapshot.runs],
        "more": snapshot.more,
        "max_points": MAX_CURVE_POINTS,
    }
    return JSONResponse(body, headers={"Cache-Control": "no-store"})
