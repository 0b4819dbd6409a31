"""`/healthz`: for Docker's HEALTHCHECK and load balancers."""

from fastapi import APIRouter

from app.api.deps import ServiceDep
from app.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz(service: ServiceDep) -> Health:
    """Answer once the store is reachable."""
    service.ping()
    return Health(status="ok", live_sessions=service.live_sessions())
