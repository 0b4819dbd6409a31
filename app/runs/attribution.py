"""What a run made from another (a fork, or a new run `based_on` it) keeps of whose it is.

The assignment goes along always, as the locks do: a student's retry at a smaller rate, or a
fork of their run, is still work on the assignment. The student's display name and the
teacher's mark go along only for the run's owner, who shows its token: anyone may fork a run
they can see, and a classmate's fork must not be shown under the original student's name.
"""

from app.runs.owners import may_change
from app.storage.stored import RunAttribution, StoredRun


def inherited_attribution(base: StoredRun | None, owner_token: str | None) -> RunAttribution:
    """The attribution of a run made from `base` by a request that showed `owner_token`."""
    if base is None:
        return RunAttribution()
    kept = base.attribution
    owner = (
        base.owner_token_hash is not None
        and owner_token is not None
        and may_change(base.owner_token_hash, owner_token)
    )
    if not owner:
        return RunAttribution(assignment_id=kept.assignment_id)
    return kept
