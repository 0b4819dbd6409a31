"""`/livez` and `/healthz`: for Docker's HEALTHCHECK, load balancers and benchmarks."""

from fastapi import APIRouter

from app.api.deps import ServiceDep
from app.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/livez")
def livez() -> dict[str, str]:
    """Answer at once, touching nothing: the process is up (and the server's own floor)."""
    return {"status": "ok"}


@router.get("/healthz")
def healthz(service: ServiceDep) -> Health:
    """Answer once the store is reachable."""
    service.ping()
    return Health(status="ok", live_sessions=service.live_sessions())
