"""Why a request on a run cannot be carried out. Each is raised before the run changes."""

DISPLAYED_ID_LENGTH = 64  # Enough for any real id; a long bogus one is not echoed whole.


class RunRequestError(Exception):
    """A request the run cannot carry out as asked; the message says what to do instead."""


class RunNotFoundError(RunRequestError):
    def __init__(self, run_id: str) -> None:
        super().__init__(f"no run with id {run_id[:DISPLAYED_ID_LENGTH]!r}")


class RunDivergedError(RunRequestError):
    def __init__(self, step: int) -> None:
        super().__init__(
            f"this run diverged at step {step} (the loss overflowed to infinity); "
            "reset it or start a new run with a smaller learning rate"
        )


class RunResetError(RunRequestError):
    def __init__(self) -> None:
        super().__init__("the run was reset while this stream was running; it stopped there")


class StepNotFoundError(RunRequestError):
    def __init__(self, step: int, last: int) -> None:
        has = f"this run has steps 1 to {last}" if last else "this run has no steps yet"
        super().__init__(f"no step {step}: {has}, and step {last + 1} is the next one")


class NodeNotFoundError(RunRequestError):
    def __init__(self, name: str) -> None:
        super().__init__(f"the run's graph has no node named {name[:DISPLAYED_ID_LENGTH]!r}")


class InvalidRunRequestError(RunRequestError):
    """The request's values are out of range or inconsistent."""
