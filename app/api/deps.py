"""Typed dependencies shared by the routes."""

from typing import Annotated

from fastapi import Depends, Header, Request

from app.runs.inspector import RunInspector
from app.runs.owners import OWNER_HEADER
from app.runs.service import RunService
from app.settings import Settings


# Async, though they only read app.state: FastAPI runs a plain `def` dependency in a worker
# thread, which would add a thread hop to every request.
async def get_service(request: Request) -> RunService:
    service: RunService = request.app.state.service
    return service


async def get_inspector(request: Request) -> RunInspector:
    inspector: RunInspector = request.app.state.inspector
    return inspector


async def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


ServiceDep = Annotated[RunService, Depends(get_service)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
InspectorDep = Annotated[RunInspector, Depends(get_inspector)]

# Routes that change a run take the owner token from this header, never from the URL, which
# ends up in logs, histories and Referer headers.
OwnerTokenHeader = Annotated[
    str | None,
    Header(
        alias=OWNER_HEADER,
        description="The `owner_token` that creating the run returned; without it the run "
        "is view-only and changes answer 403.",
    ),
]
