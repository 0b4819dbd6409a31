"""How a stream's steps become writes: each `step` event framed as sse-starlette frames one,
the events computed together joined into writes of about WRITE_BYTES."""

import numpy as np
import pytest
from sse_starlette import ServerSentEvent

from app.api.presenters import finite_list
from app.api.run_stream import WRITE_BYTES, _in_writes
from app.domain.data import sample_dataset, validated_dataset
from app.domain.spec import TrainingSpec
from app.schemas.runs import StepEvent, step_fields
from app.training.model import LinearRegressionModel


def library_encoded(outcome) -> bytes:
    """The event as sse-starlette encodes it, from the model's own JSON."""
    fields = {**step_fields(outcome.record), "predictions": finite_list(outcome.predictions)}
    data = StepEvent.model_validate(fields).model_dump_json()
    return ServerSentEvent(event="step", data=data).encode()


def outcomes_of(dataset, learning_rate: float, steps: int):
    with LinearRegressionModel(dataset, TrainingSpec(learning_rate, 0)) as model:
        return model.run(steps, every_prediction=True)


@pytest.mark.parametrize("learning_rate", [0.002, 10.0], ids=["converging", "diverging"])
def test_each_event_is_framed_as_the_library_frames_it(learning_rate):
    outcomes = outcomes_of(sample_dataset(), learning_rate, 30)
    writes = list(_in_writes(outcomes))
    assert len(writes) == 1  # A few small steps go in one write.
    assert writes[0] == b"".join(library_encoded(outcome) for outcome in outcomes)


def test_large_steps_go_in_writes_of_about_write_bytes():
    x = np.linspace(-1.0, 1.0, 1_000)
    outcomes = outcomes_of(validated_dataset(x, 2.0 * x + 0.5), 0.01, 20)
    events = [library_encoded(outcome) for outcome in outcomes]
    writes = list(_in_writes(outcomes))
    assert b"".join(writes) == b"".join(events)
    assert len(writes) > 1
    event_bytes = max(len(event) for event in events)
    # Each write ends at an event's end, and stops growing once it reaches WRITE_BYTES.
    assert all(write.endswith(b"\r\n\r\n") for write in writes)
    assert all(len(write) < WRITE_BYTES + event_bytes for write in writes)
    assert all(len(write) >= WRITE_BYTES for write in writes[:-1])
