"""One run's TensorFlow session: the sample's linear regression, stepped on demand."""

from typing import Any

import numpy as np
import tensorflow as tf

from app.domain.data import Dataset
from app.domain.graph import GraphView
from app.domain.readings import Breakdown, Evaluation, LossSurface, StepOutcome
from app.domain.records import StepRecord, VariableState, Weights
from app.domain.spec import TrainingSpec, batch_schedule
from app.training.session import SessionOwner
from app.training.shared_graph import (
    SharedGraph,
    build_shared_graph,
    evaluation_of,
    session_config,
)
from app.training.variables import (
    as_state,
    column_of,
    weights_of,
)

v1 = tf.compat.v1


class LinearRegressionModel(SessionOwner):
    """The sample program's graph (shared with every run of the same data and settings: see
    app.training.shared_graph) in a `tf.compat.v1.Session` of the run's own.

    The graph is the sample's (`input`, `target`, `weights`, `yhat`, `yerror`, `loss`) with
    the run's optimizer and loss, and `minimize(loss)` written out as `compute_gradients` +
    `apply_gradients`, so the gradient that TensorFlow applies can be fetched. A mini-batch
    run minimises `batch_loss`, the loss of the points fed to `batch_indices`; `loss` stays
    the loss over every point. Ops that only report values for Stepwise live under
    `stepwise_*` name scopes. The instance is not thread-safe: its owner serialises calls.
    """

    def __init__(
        self, data: Dataset, spec: TrainingSpec, shared: SharedGraph | None = None
    ) -> None:
        """A session of `shared` (the graph for `data` and `spec`, built here if not given),
        its variables initialized as the sample's initializer sets them."""
        self.spec = spec
        self.num_points = data.size
        # The step at which a value overflowed; the run cannot continue until restored.
        self.diverged_at: int | None = None
        self._steps_done = 0
        self._shared = shared if shared is not None else build_shared_graph(data, spec)
        self._ops = self._shared.ops
        self.variable_roles = self._ops.variable_roles
        self._session = v1.Session(graph=self._shared.graph, config=session_config())
        self._session.run(self._ops.initialize)
        # A callable made once skips session.run's per-call parsing of the fetches.
        # An empty feed_list takes a slower path in TensorFlow (about twice the time per step),
        # so the batch placeholder is named only when there is one.
        if self._ops.batch is None:
            self._run_step = self._session.make_callable(self._ops.step_fetches)
        else:
            self._run_step = self._session.make_callable(self._ops.step_fetches, [self._ops.batch])

    @property
    def steps_done(self) -> int:
        """The run's global step: how many updates its variables have had."""
        return self._steps_done

    def batch_for(self, step: int) -> np.ndarray | None:
        """The points mini-batch step `step` uses; None for full-batch runs."""
        return None if self.spec.batch_size is None else self._schedule(step, 1)[0]

    def _schedule(self, first_step: int, count: int) -> np.ndarray:
        assert self.spec.batch_size is not None
        return batch_schedule(
            self.spec.seed, first_step, count, self.num_points, self.spec.batch_size
        )

    @property
    def shared(self) -> SharedGraph:
        """The graph this session runs, which other runs with the same settings share."""
        return self._shared

    @property
    def graph_view(self) -> GraphView:
        """The nodes and edges of this run's graph, with what each action runs."""
        return self._shared.view

    def step(self) -> StepOutcome:
        """Run the update op once (`update_weights.run()`) and report what it did."""
        outcome = self._outcome(self._run_next_step())
        self._note_step(outcome.record)
        return outcome

    def preview_step(self) -> StepOutcome:
        """The next update as TensorFlow makes it, without keeping it: what `step()` would
        return now. The update op runs from the current state; then every variable (the
        weights, the optimizer's slots and powers, the global step) is set back to the value
        it had, bit for bit. Three session calls: read, update, set back.
        """
        saved = self._session.run(self._variable_values)
        try:
            out = self._run_next_step()
        finally:
            self._set_variables(saved)
        return self._outcome(out)

    def _run_next_step(self) -> dict[str, Any]:
        batch = self.batch_for(self._steps_done + 1)
        out: dict[str, Any] = self._run_step() if batch is None else self._run_step(batch)
        return out

    @staticmethod
    def _outcome(out: dict[str, Any]) -> StepOutcome:
        """What one run of the step fetches reports, as a step's outcome."""
        state_after = out["state"]
        record = StepRecord(
            step=int(state_after["global_step"]),
            weights_before=weights_of(out["weights_before"]),
            gradient=weights_of(out["gradient"]),
            weights_after=weights_of(state_after["weights"]),
            loss_before=float(out["loss_before"]),
            loss_after=float(out["loss_after"]),
        )
        return StepOutcome(
            record=record,
            predictions=out["predictions"][:, 0].tolist(),
            state=as_state(state_after),
        )

    def _note_step(self, record: StepRecord) -> None:
        self._steps_done = record.step
        if record.diverged:
            self.diverged_at = record.step

    def run(self, count: int, every_prediction: bool = False) -> list[StepOutcome]:
        """Run `count` updates in one session call; stop early after one that diverged.

        Each outcome carries its predictions if `every_prediction`; otherwise only the last.
        """
        out, predictions = self._run_fused(count, every_prediction)
        # Each fetched array turned into Python floats once, not element by element.
        weights_before = _weight_rows(out["weights_before"])
        gradients = _weight_rows(out["gradient"])
        loss_before = out["loss_before"].tolist()
        loss_after = out["loss_after"].tolist()
        states = {name: values.tolist() for name, values in out["state"].items()}
        outcomes = []
        for index, shown in enumerate(predictions):
            state = {name: values[index] for name, values in states.items()}
            record = StepRecord(
                step=int(state["global_step"]),
                weights_before=weights_before[index],
                gradient=gradients[index],
                weights_after=weights_of(state["weights"]),
                loss_before=loss_before[index],
                loss_after=loss_after[index],
            )
            outcomes.append(StepOutcome(record=record, predictions=shown, state=state))
        self._note_step(outcomes[-1].record)
        return outcomes

    def _run_fused(
        self, count: int, every_prediction: bool
    ) -> tuple[dict[str, Any], list[list[float]]]:
        """The fused loop's fetches for `count` steps, and the predictions of each."""
        fused = self._shared.fused
        feeds: dict[tf.Tensor, Any] = {fused.count: count}
        if fused.batches is not None:
            feeds[fused.batches] = self._schedule(self._steps_done + 1, count)
        if every_prediction:
            fetches = {**fused.records, "predictions": fused.per_step_predictions}
            out = self._session.run(fetches, feed_dict=feeds)
            return out, [column[:, 0].tolist() for column in out["predictions"]]
        out = self._session.run({**fused.records, "final": fused.final_predictions}, feeds)
        predictions: list[list[float]] = [[] for _ in out["loss_after"]]
        if predictions:
            predictions[-1] = out["final"][:, 0].tolist()
        return out, predictions

    def warm_up(self) -> None:
        """Prepare every kind of call a run makes, changing nothing.

        TensorFlow prepares each kind of session call (its fetches and feeds) on first use,
        several milliseconds apiece; a session warmed ahead of need (app.training.warm_sessions)
        answers a new run's first step, Run, preview and reading at full speed.
        """
        self.preview_step()  # The step, a reading of every variable, and setting them back.
        for every_prediction in (False, True):
            self._run_fused(0, every_prediction)  # No iteration: the loop changes nothing.
        self.evaluate()

    def learning_rate_at(self, global_step: int) -> float:
        """The learning rate the update at `global_step` uses (step `global_step` + 1): the
        schedule's value computed by this session, or the run's constant rate."""
        return self.learning_rates(global_step, 1)[0]

    def learning_rates(self, first_global_step: int, count: int) -> list[float]:
        """The rates of the updates at `count` global steps from `first_global_step`, in one
        session call; the run's constant for each without a schedule."""
        if self._ops.rates_at_steps is None:
            return [self.spec.learning_rate] * count
        steps = np.arange(first_global_step, first_global_step + count, dtype=np.int64)
        rates = self._session.run(self._ops.rates_at_steps, feed_dict={self._ops.rate_steps: steps})
        return [float(rate) for rate in rates]

    def evaluate(self) -> Evaluation:
        """Read the loss, weights and predictions (`loss.eval()`, `weights.eval()`)."""
        return evaluation_of(self._session.run(self._ops.eval_fetches))

    def breakdown(self, weights: Weights, step: int) -> Breakdown:
        """Evaluate the loss and step `step`'s gradient at `weights`, point by point.

        The step decides the batch of a mini-batch run. Nothing changes.
        """
        feeds = {self._ops.weights_read: column_of(weights)}
        batch = self.batch_for(step)
        if batch is not None:
            feeds[self._ops.batch] = batch
        out = self._session.run(self._ops.breakdown_fetches, feed_dict=feeds)
        return Breakdown(
            weights=weights,
            predictions=out["predictions"][:, 0].tolist(),
            residuals=out["residuals"][:, 0].tolist(),
            contributions_b=out["contributions"][:, 0].tolist(),
            contributions_m=out["contributions"][:, 1].tolist(),
            loss=float(out["loss"]),
            gradient=weights_of(out["gradient"]),
        )

    def loss_surface(self, b_values: np.ndarray, m_values: np.ndarray) -> LossSurface:
        """The loss at every (b, m) of the grid, in one session.run."""
        b_grid, m_grid = np.meshgrid(b_values, m_values)
        columns = np.stack([b_grid.ravel(), m_grid.ravel()]).astype(np.float32)
        losses = self._session.run(self._ops.surface_losses, feed_dict={self._ops.grid: columns})
        return LossSurface(
            b_values=[float(b) for b in b_values],
            m_values=[float(m) for m in m_values],
            losses=losses.reshape(b_grid.shape).tolist(),
        )

    def read_node(self, name: str) -> np.ndarray:
        """The current value of a node's first output; only for nodes that change nothing."""
        if name not in self.graph_view.readable:
            raise ValueError(f"node {name!r} has no value that can be read without side effects")
        if name in self._ops.variables:  # A variable: read by its own read op, as eval() does.
            return np.asarray(self._session.run(self._ops.variables[name].variable))
        return np.asarray(self._session.run(f"{name}:0"))

    def state(self) -> VariableState:
        """Return every variable's value: enough to continue this run exactly elsewhere."""
        return as_state(self._session.run(self._variable_values))

    @property
    def _variable_values(self) -> dict[str, tf.Variable]:
        """Every variable, to fetch: a fetched variable is read by its own read op."""
        return {name: v.variable for name, v in self._ops.variables.items()}

    def _set_variables(self, values: dict[str, Any]) -> None:
        """Set every variable to `values` (by name), through its initializer: no assign ops."""
        ops = [v.initializer for v in self._ops.variables.values()]
        feeds = {v.initial_value: values[name] for name, v in self._ops.variables.items()}
        self._session.run(ops, feed_dict=feeds)

    def restore(self, state: VariableState) -> None:
        """Set every variable to the values in `state` (as returned by `state()`)."""
        if set(state) != set(self._ops.variables):
            raise ValueError(
                f"state has variables {sorted(state)}, the graph has {sorted(self._ops.variables)}"
            )
        self._set_variables(state)
        self.diverged_at = None
        self._steps_done = int(state["global_step"])

    def set_weights(self, weights: Weights) -> None:
        """Replace the initial weights, keeping the step count at zero."""
        state = self.state()
        state["weights"] = column_of(weights).tolist()
        self.restore(state)


def _weight_rows(columns: np.ndarray) -> list[Weights]:
    """The weights of each step from the loop's [steps, 2, 1] array of (b, m) columns."""
    return [Weights(b=b, m=m) for b, m in columns[:, :, 0].tolist()]
