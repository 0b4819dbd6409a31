"""The run a change is made to, as a dependency: its owner's token checked, the change counted.

Every route that changes a run (step, reset, stream) takes `run_id: OwnedRun`, so none can
forget the owner check or the rate limit, and both read the token from the same header.
"""

from typing import Annotated

from fastapi import Depends
from starlette.concurrency import run_in_threadpool

from app.api.deps import OwnerTokenHeader, ServiceDep


async def _owner_checked(
    run_id: str, service: ServiceDep, owner_token: OwnerTokenHeader = None
) -> str:
    # Almost always remembered, so checked here; read from the store in a worker thread only
    # when not: a step already costs its own route's thread hop, and needs no second one.
    if not service.admission.owner_checked_in_memory(run_id, owner_token):
        await run_in_threadpool(service.admission.require_owner, run_id, owner_token)
    return run_id


async def _owned_run(run_id: str, service: ServiceDep, owner_token: OwnerTokenHeader = None) -> str:
    # Counted first, in memory on the event loop: a refused request (429) costs no thread and
    # no query. Counted per run and token, so wrong tokens cannot use up the owner's allowance.
    service.admission.count_change(run_id, owner_token)
    return await _owner_checked(run_id, service, owner_token)


# 403 without the run's owner token, 429 with Retry-After once the run has had too many changes.
OwnedRun = Annotated[str, Depends(_owned_run)]
# The owner's page telling its own stream which step it shows, once a step: no change to the
# run, so not counted against its rate (a Run 500 says it hundreds of times). 403 as OwnedRun.
OwnerCheckedRun = Annotated[str, Depends(_owner_checked)]
