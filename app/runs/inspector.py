"""Explanations of a run: each step's arithmetic, its graph, node values, the loss surface.

Everything here reads the run's session and store; nothing changes the run (a preview of the
next step runs the update and sets every variable back, under the run's checkout).
"""

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from app.domain.graph import GraphNode, GraphView, Unreadable
from app.domain.readings import Breakdown, LossSurface
from app.domain.records import StepRecord, VariableState, Weights
from app.domain.spec import TrainingSpec
from app.reference.checks import UpdateCheck, UpdateInputs, check_update
from app.runs.errors import InvalidRunRequestError, NodeNotFoundError, StepNotFoundError
from app.runs.guards import refuse_if_diverged
from app.runs.service import RunService
from app.runs.views import dataset_of, training_spec_of
from app.storage.stored import LastStep


@dataclass(frozen=True)
class NextUpdate:
    """The next step as TensorFlow makes it, made by the run's session and undone
    (`LinearRegressionModel.preview_step`): its record and the variables it changes, by role."""

    record: StepRecord
    variables_after: dict[str, Any]


@dataclass(frozen=True)
class StepDetail:
    """Step `step` explained: its record (None for the next, unapplied step), the gradient at
    its starting weights point by point, and NumPy's check of its arithmetic.

    `breakdown` and `check` are None when the starting weights had overflowed.
    """

    step: int
    spec: TrainingSpec
    # The rate the step uses: the run's own, or its schedule's at global step `step` − 1, as
    # the run's session computes it.
    learning_rate: float
    weights_before: Weights
    record: StepRecord | None
    breakdown: Breakdown | None
    check: UpdateCheck | None
    points_x: list[float]
    points_y: list[float]
    batch: list[int] | None  # The points of a mini-batch step; None: every point.
    # The variables the update changes, by role (weights, the optimizer's slots), as
    # TensorFlow held them before and after the step; `after` is None until it is applied.
    variables_before: dict[str, Any] | None
    variables_after: dict[str, Any] | None
    # For the next, unapplied step: TensorFlow's own update, not kept. None for a stored step.
    preview: NextUpdate | None


@dataclass(frozen=True)
class NodeReading:
    node: GraphNode
    value: np.ndarray


_UNREADABLE: dict[Unreadable, str] = {
    "no_output": "it groups other ops and has no value of its own",
    "handle": "it is a handle to a resource, not a value",
    "needs_feed": "it needs a value fed in to run",
    "changes_run": "running it would change the run (it assigns or updates a variable)",
    "random": "it draws new random numbers each time it runs",
    "in_branch": "it runs only inside a branch of a condition, which has no value outside it",
}


def _by_role(state: VariableState | None, roles: dict[str, str]) -> dict[str, Any] | None:
    """The variables of `state` that an update changes, keyed by role instead of name."""
    return None if state is None else {role: state[name] for role, name in roles.items()}


class StoredSteps(Protocol):
    """The inspector's one view of the store: stored steps, read-only (the Store is one)."""

    def last_step(self, run_id: str) -> LastStep | None: ...
    def get_step(self, run_id: str, step: int) -> StepRecord | None: ...
    def state_at(self, run_id: str, step: int) -> VariableState | None: ...


class RunInspector:
    """Answers "what did step k do, and why" for the runs of `runs`."""

    def __init__(self, runs: RunService, steps: StoredSteps) -> None:
        self._runs = runs
        self._steps = steps

    def step_detail(self, run_id: str, step: int) -> StepDetail:
        """Explain stored step `step`, or the next step (one past the last) before it runs,
        with TensorFlow's own update for it: made by the session and undone, bit for bit."""
        run = self._runs.require_run(run_id)
        with self._runs.checkout(run_id) as model:
            last_step = self._steps.last_step(run_id)
            last = last_step.step if last_step is not None else 0
            if not 1 <= step <= last + 1:
                raise StepNotFoundError(step, last)
            record = self._steps.get_step(run_id, step) if step <= last else None
            preview = None
            if record is None:
                refuse_if_diverged(model)
                state_before: VariableState | None = model.state()
                preview = model.preview_step()
                weights_before = preview.record.weights_before
            else:
                weights_before = record.weights_before
                state_before = (
                    run.initial_state if step == 1 else self._steps.state_at(run_id, step - 1)
                )
            state_after = None if record is None else self._steps.state_at(run_id, step)
            breakdown = None
            if weights_before.is_finite():
                breakdown = model.breakdown(weights_before, step)
            batch = model.batch_for(step)
            roles = model.variable_roles
            rate = model.learning_rate_at(step - 1)
        before = _by_role(state_before, roles)
        after = _by_role(state_after, roles)
        next_update = None
        if preview is not None:
            next_update = NextUpdate(preview.record, _by_role(preview.state, roles) or {})
        check = None
        if breakdown is not None and before is not None:
            check = check_update(
                dataset_of(run),
                training_spec_of(run),
                UpdateInputs(step, rate, batch, before),
                record.gradient if record is not None else breakdown.gradient,
                after,
            )
        return StepDetail(
            step=step,
            spec=training_spec_of(run),
            learning_rate=rate,
            weights_before=weights_before,
            record=record,
            breakdown=breakdown,
            check=check,
            points_x=run.points_x,
            points_y=run.points_y,
            batch=None if batch is None else batch.tolist(),
            variables_before=before,
            variables_after=after,
            preview=next_update,
        )

    def learning_rates(self, run_id: str, first_step: int, count: int) -> list[float]:
        """The rates steps `first_step` .. `first_step + count - 1` use (applied or not), as
        the run's session computes its schedule at their global steps."""
        with self._runs.checkout(run_id) as model:
            return model.learning_rates(first_step - 1, count)

    def graph(self, run_id: str) -> GraphView:
        with self._runs.checkout(run_id) as model:
            return model.graph_view

    def node_value(self, run_id: str, name: str) -> NodeReading:
        """The current value of one node of the run's graph, computed by its session."""
        with self._runs.checkout(run_id) as model:
            nodes = {node.name: node for node in model.graph_view.nodes}
            if name not in nodes:
                raise NodeNotFoundError(name)
            node = nodes[name]
            if node.unreadable is not None:
                reason = _UNREADABLE[node.unreadable]
                raise InvalidRunRequestError(
                    f"node {name!r} ({node.op}) has no value to show: {reason}"
                )
            refuse_if_diverged(model)
            return NodeReading(node=nodes[name], value=model.read_node(name))

    def loss_surface(
        self, run_id: str, b_range: tuple[float, float], m_range: tuple[float, float], size: int
    ) -> LossSurface:
        """The loss on a `size` × `size` grid of (b, m), computed by the run's session."""
        for name, (low, high) in (("b", b_range), ("m", m_range)):
            if not low < high:
                raise InvalidRunRequestError(f"{name}_min must be less than {name}_max")
        with self._runs.checkout(run_id) as model:
            return model.loss_surface(np.linspace(*b_range, size), np.linspace(*m_range, size))
