"""Explanations of a run: each step's arithmetic, its graph, node values, the loss surface.

Everything here reads the run's session and store; nothing changes the run.
"""

from dataclasses import dataclass

import numpy as np

from app.runs.errors import InvalidRunRequestError, NodeNotFoundError, StepNotFoundError
from app.runs.service import RunService, dataset_of, refuse_if_diverged
from app.store import Store
from app.training.explain import UpdateCheck, check_update
from app.training.graph_view import GraphNode, GraphView, Unreadable
from app.training.model import Breakdown, LossSurface
from app.training.records import StepRecord, Weights


@dataclass(frozen=True)
class StepDetail:
    """Step `step` explained: its record (None for the next, unapplied step), the gradient at
    its starting weights point by point, and NumPy's check of its arithmetic.

    `breakdown` and `check` are None when the starting weights had overflowed.
    """

    step: int
    learning_rate: float
    weights_before: Weights
    record: StepRecord | None
    breakdown: Breakdown | None
    check: UpdateCheck | None
    points_x: list[float]
    points_y: list[float]


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
}


class RunExplainer:
    """Answers "what did step k do, and why" for the runs of `runs`."""

    def __init__(self, runs: RunService, store: Store) -> None:
        self._runs = runs
        self._store = store

    def step_detail(self, run_id: str, step: int) -> StepDetail:
        """Explain stored step `step`, or the next step (one past the last) before it runs."""
        run = self._runs.require_run(run_id)
        with self._runs.checkout(run_id) as model:
            last_step = self._store.last_step(run_id)
            last = last_step.step if last_step is not None else 0
            if not 1 <= step <= last + 1:
                raise StepNotFoundError(step, last)
            record = self._store.get_step(run_id, step) if step <= last else None
            if record is None:
                refuse_if_diverged(model)
                weights_before = model.evaluate().weights
            else:
                weights_before = record.weights_before
            breakdown = model.explain(weights_before) if weights_before.is_finite() else None
            learning_rate = model.learning_rate
        check = None
        if breakdown is not None:
            check = check_update(
                dataset_of(run),
                weights_before,
                learning_rate,
                record.gradient if record is not None else breakdown.gradient,
                record.weights_after if record is not None else None,
            )
        return StepDetail(
            step=step,
            learning_rate=learning_rate,
            weights_before=weights_before,
            record=record,
            breakdown=breakdown,
            check=check,
            points_x=run.points_x,
            points_y=run.points_y,
        )

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
