"""The rate limit on changes to a run, as a dependency of the routes that step or reset it."""

from fastapi import Depends

from app.api.deps import OwnerTokenHeader, ServiceDep


async def _count_run_change(
    run_id: str, service: ServiceDep, owner_token: OwnerTokenHeader = None
) -> None:
    # Async and cheap (an in-memory count): no worker thread for a request that may be refused.
    service.count_change(run_id, owner_token)


# `dependencies=[RateLimited]` on a route: 429 with Retry-After once the run has had too many.
RateLimited = Depends(_count_run_change)
