"""The teacher's assignments and the live view's curves, as dependencies of the routes."""

from typing import Annotated

from fastapi import Depends, Request

from app.runs.assignments import AssignmentBook
from app.runs.class_live import LiveCurves


# Async, as app.api.deps' own: they only read app.state.
async def get_assignments(request: Request) -> AssignmentBook:
    book: AssignmentBook = request.app.state.assignments
    return book


async def get_live_curves(request: Request) -> LiveCurves:
    curves: LiveCurves = request.app.state.live_curves
    return curves


AssignmentsDep = Annotated[AssignmentBook, Depends(get_assignments)]
LiveCurvesDep = Annotated[LiveCurves, Depends(get_live_curves)]
