"""`PUT /api/runs/{id}/display-name`: the name a student gives for the teacher's page.

Optional, never a login: the run's owner may set it, change it or take it away, and the
teacher's live view shows it beside the run (escaped, as every page shows it).
"""

from fastapi import APIRouter, Response

from app.api.deps import ServiceDep
from app.api.openapi_responses import CHANGE_ERRORS, ERRORS, STORAGE_FULL
from app.api.owned_run import OwnedRun
from app.api.presenters import as_json
from app.schemas.assignments import DisplayNamePublic, DisplayNameUpdate

router = APIRouter(prefix="/api/runs", tags=["runs"])


@router.put(
    "/{run_id}/display-name",
    responses={
        404: ERRORS[404],
        403: CHANGE_ERRORS[403],
        422: ERRORS[422],
        429: CHANGE_ERRORS[429],
        **STORAGE_FULL,
    },
    response_model=DisplayNamePublic,
)
def set_display_name(run_id: OwnedRun, body: DisplayNameUpdate, service: ServiceDep) -> Response:
    """Name the run for the teacher's page: up to 40 characters on one line (trimmed; control
    and formatting characters refused); empty or null takes the name away."""
    service.set_display_name(run_id, body.display_name)
    return as_json(DisplayNamePublic(display_name=body.display_name))
