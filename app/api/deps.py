"""Typed dependencies shared by the routes."""

from typing import Annotated

from fastapi import Depends, Request

from app.runs.explainer import RunExplainer
from app.runs.service import RunService


# Async, though they only read app.state: FastAPI runs a plain `def` dependency in a worker
# thread, which would add a thread hop to every request.
async def get_service(request: Request) -> RunService:
    service: RunService = request.app.state.service
    return service


async def get_explainer(request: Request) -> RunExplainer:
    explainer: RunExplainer = request.app.state.explainer
    return explainer


ServiceDep = Annotated[RunService, Depends(get_service)]
ExplainerDep = Annotated[RunExplainer, Depends(get_explainer)]
