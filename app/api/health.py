"""`/livez` and `/healthz`: for Docker's HEALTHCHECK, load balancers and benchmarks."""

from fastapi import APIRouter, Response

from app.api.deps import ServiceDep
from app.schemas.runs import Health
from app.storage.full_disk import StorageFullError

router = APIRouter(tags=["health"])

WRITES_FAILING = (
    "writes are failing: the server's disk is full, so runs cannot be created, stepped, forked "
    "or reset until space is freed; everything stored before is kept"
)


# `async def`, so it runs on the event loop: a plain `def` would wait for a worker thread
# behind every TensorFlow computation, and a busy server would look dead.
@router.get("/livez")
async def livez() -> dict[str, str]:
    """Answer at once, touching nothing: the process is up (and the server's own floor)."""
    return {"status": "ok"}


@router.get(
    "/healthz",
    responses={503: {"model": Health, "description": "Writes are failing: the disk is full."}},
)
def healthz(service: ServiceDep, response: Response) -> Health:
    """Answer once the store is reachable; 503 while writes fail for lack of disk space.

    While they fail, each call first tries a small write, so health returns once space is
    freed, without waiting for a learner's request to succeed.
    """
    try:
        service.ping()
    except StorageFullError:
        response.status_code = 503
        return Health(
            status="unhealthy",
            live_sessions=service.live_sessions(),
            writable=False,
            detail=WRITES_FAILING,
        )
    return Health(status="ok", live_sessions=service.live_sessions(), writable=True)
