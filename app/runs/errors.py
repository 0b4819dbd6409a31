"""Why a request on a run cannot be carried out. Each is raised before the run changes.

Each error has a `code` and the `params` its message is made from: the page says it in its own
language from those (app/locales, `error.<code>`), API clients read the English message.
"""

DISPLAYED_ID_LENGTH = 64  # Enough for any real id; a long bogus one is not echoed whole.

ErrorParams = dict[str, str | int | float]


class WouldWaitError(Exception):
    """Not a refusal: a computation asked not to wait (`wait=False`) would have had to wait
    for a run's lock, a computation slot or a session's loading; nothing changed, and the
    caller does it again where it may wait. Never reaches a client."""


class RunRequestError(Exception):
    """A request the run cannot carry out as asked; the message says what to do instead."""

    code = "invalid_request"

    def __init__(self, message: str, **params: str | int | float) -> None:
        super().__init__(message)
        self.params: ErrorParams = params


class RunNotFoundError(RunRequestError):
    code = "run_not_found"

    def __init__(self, run_id: str) -> None:
        shown = run_id[:DISPLAYED_ID_LENGTH]
        super().__init__(f"no run with id {shown!r}", run_id=shown)


class RunDivergedError(RunRequestError):
    code = "run_diverged"

    def __init__(self, step: int) -> None:
        super().__init__(
            f"this run diverged at step {step} (the loss overflowed to infinity); "
            "reset it or start a new run with a smaller learning rate",
            step=step,
        )


class RunResetError(RunRequestError):
    code = "run_reset"

    def __init__(self) -> None:
        super().__init__("the run was reset while this stream was running; it stopped there")


class RunChangedError(RunRequestError):
    code = "run_changed"

    def __init__(self) -> None:
        super().__init__(
            "the run was reset while it was being forked, so nothing was stored; "
            "reload it and fork again"
        )


class RunFullError(RunRequestError):
    code = "run_full"

    def __init__(self, last: int, limit: int) -> None:
        room = f"only {limit - last} more fit" if last < limit else "no more fit"
        super().__init__(
            f"this run is full: it keeps at most {limit} steps, has {last}, and {room}; "
            "fork it at an earlier step or reset it to go on",
            last=last,
            limit=limit,
            room=max(limit - last, 0),
        )


class RetryLaterError(RunRequestError):
    """Refused for now, before anything changed: the same request may succeed after
    `retry_after` seconds."""

    def __init__(self, message: str, retry_after: int, **params: str | int | float) -> None:
        super().__init__(message, retry_after=retry_after, **params)
        self.retry_after = retry_after


class ServerBusyError(RetryLaterError):
    code = "server_busy"

    def __init__(self, limit: int, retry_after: int) -> None:
        super().__init__(
            f"the server is busy: it runs at most {limit} TensorFlow computations at once; "
            f"try again in {retry_after} s",
            retry_after,
            limit=limit,
        )


class RunBusyError(ServerBusyError):
    """Another server process computed this run for longer than this request could wait for
    its turn (several app processes share the database); nothing was stored by this request.

    A kind of ServerBusyError: a stream waits through it as through a full server, and ends
    `busy` if it never gets a turn."""

    code = "run_busy"

    def __init__(self, waited_seconds: float, retry_after: int = 1) -> None:
        RetryLaterError.__init__(
            self,
            "another server process is computing this run and did not finish within "
            f"{waited_seconds:g} s, so this request stored nothing; try again in {retry_after} s",
            retry_after,
            waited_seconds=waited_seconds,
        )


class RunRateLimitedError(RetryLaterError):
    code = "run_rate_limited"

    def __init__(self, limit: str, retry_after: int) -> None:
        super().__init__(
            f"too many requests to change this run (at most {limit}); try again in {retry_after} s",
            retry_after,
            limit=limit,
        )


class CreateRateLimitedError(RetryLaterError):
    code = "create_rate_limited"

    def __init__(self, limit: str, retry_after: int) -> None:
        super().__init__(
            f"too many new runs and forks from here (at most {limit}); try again in "
            f"{retry_after} s, or go on with a run you already have",
            retry_after,
            limit=limit,
        )


class TooManyStreamsError(RetryLaterError):
    def __init__(self, limit: int, holder: str) -> None:
        who = "this browser" if holder == "browser" else "this network address"
        super().__init__(
            f"{who} already has {limit} runs playing at once, the most allowed; stop one "
            "(or wait for it to end) and press Run again",
            retry_after=1,
            limit=limit,
        )
        # Said of the browser or of its whole network address (a class shares one).
        self.code = f"too_many_streams_{'browser' if holder == 'browser' else 'address'}"


class RunContendedError(RetryLaterError):
    """Other server processes kept storing this run's next steps first (several app
    processes share the database); nothing was stored by this request."""

    code = "run_contended"

    def __init__(self, attempts: int) -> None:
        super().__init__(
            f"other server processes stepped this run at the same moment {attempts} times "
            "in a row, so this request stored nothing; try again in 1 s",
            retry_after=1,
            attempts=attempts,
        )


class StepNotFoundError(RunRequestError):
    code = "step_not_found"

    def __init__(self, step: int, last: int) -> None:
        has = f"this run has steps 1 to {last}" if last else "this run has no steps yet"
        super().__init__(
            f"no step {step}: {has}, and step {last + 1} is the next one",
            step=step,
            last=last,
            next=last + 1,
        )


class NodeNotFoundError(RunRequestError):
    code = "node_not_found"

    def __init__(self, name: str) -> None:
        shown = name[:DISPLAYED_ID_LENGTH]
        super().__init__(f"the run's graph has no node named {shown!r}", name=shown)


class InvalidRunRequestError(RunRequestError):
    """The request's values are out of range or inconsistent.

    With `field`, the message is said of that field of the request (`field: problem`); a page
    that names the field otherwise (an assignment link's query) uses `field` and `problem`.
    """

    def __init__(self, problem: str, field: str | None = None) -> None:
        message = f"{field}: {problem}" if field else problem
        # The problem is said in English only (it names values and fields); the page says
        # that the request was refused in its language, and why in the server's words.
        super().__init__(message, detail=message)
        self.field = field
        self.problem = problem


class NotOwnerError(RunRequestError):
    code = "not_owner"

    def __init__(self) -> None:
        super().__init__(
            "this is a view-only link: only the browser that created this run can step, run "
            "or reset it (it sends the run's owner token in the X-Owner-Token header). "
            "A viewer can replay every step and fork the run to experiment with a copy of "
            "their own"
        )


class LockedSettingError(InvalidRunRequestError):
    """A setting the assignment's teacher locked was changed."""

    code = "locked_setting"

    def __init__(self, setting: str, base_id: str) -> None:
        RunRequestError.__init__(
            self,
            f"{setting}: set by your teacher in this assignment and locked; keep the value "
            f"of run {base_id[:DISPLAYED_ID_LENGTH]!r} (change the other settings freely)",
            setting=setting,
        )
        self.field = None  # The message names the setting itself.
        self.problem = str(self)
