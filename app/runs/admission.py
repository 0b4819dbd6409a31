"""Who may change a run, and how often: owner checks, a run's rate of changes, and a client's
allowance of new runs and of open streams. All in memory, so refusals cost no computation."""

from app.runs.limits import Client, ClientCreateLimiter, RateLimiter, StreamLease, StreamSlots
from app.runs.owners import RunOwners
from app.settings import Settings


class Admission:
    """The checks a request passes before it may compute or store anything."""

    def __init__(self, owners: RunOwners, settings: Settings) -> None:
        self._owners = owners
        self._rate = RateLimiter(settings.run_rate_limit)
        self._creates = ClientCreateLimiter(
            settings.create_rate_limit, settings.create_rate_limit_per_address
        )
        self._streams = StreamSlots(
            settings.max_streams_per_client, settings.max_streams_per_address
        )
        self.stream_send_timeout = settings.stream_send_timeout_seconds

    def require_owner(self, run_id: str, token: str | None) -> None:
        """Raise NotOwnerError unless `token` may change the run (RunNotFoundError if none)."""
        self._owners.require_owner(run_id, token)

    def owner_checked_in_memory(self, run_id: str, token: str | None) -> bool:
        """Check the owner as require_owner does if the run's owner is remembered, and say
        whether it was: False leaves the check, which reads the store, to the caller."""
        if self._owners.remembered(run_id) is None:
            return False
        self._owners.require_owner(run_id, token)
        return True

    def count_change(self, run_id: str, owner_token: str | None) -> None:
        """Count a step, stream or reset request against the run's rate limit.

        Counted per run and owner token, never per address (a class shares one): requests
        with a wrong token, refused anyway, cannot use up the owner's allowance.
        """
        self._rate.hit(run_id, owner_token or "")

    def count_new_run(self, client: Client) -> None:
        """Count a new run or fork against the client's allowance (CreateRateLimitedError)."""
        self._creates.hit(client)

    def open_stream(self, client: Client) -> StreamLease:
        """A place for one more open stream of `client` (TooManyStreamsError if none)."""
        return self._streams.take(client)
