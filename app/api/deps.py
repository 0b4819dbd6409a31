"""Typed dependencies shared by the routes."""

from typing import Annotated

from fastapi import Depends, Request

from app.runs.service import RunService


def get_service(request: Request) -> RunService:
    service: RunService = request.app.state.service
    return service


ServiceDep = Annotated[RunService, Depends(get_service)]
