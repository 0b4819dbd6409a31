"""A run's `tf.Graph` as the page draws it: its nodes, who wrote each, what each action runs.

Plain values, described from the live graph by `app.training.graph_view`.
"""

from dataclasses import dataclass
from typing import Literal

Origin = Literal["learner", "minimize", "stepwise"]
# Why a node's value is not shown on request.
Unreadable = Literal["no_output", "handle", "needs_feed", "changes_run", "random", "in_branch"]
# What a node is for, when the page says more about it than its name and op:
# "update": the op that changes the weights (ResourceApplyGradientDescent, ResourceApplyAdam…),
# the one `update_weights.run()` exists for;
# "count_step": Stepwise's `global_step += 1` after each update. Stepwise passes `global_step`
# to `apply_gradients` to count steps; the sample's `minimize(loss)` has no global step and
# makes a NoOp in its place.
Role = Literal["update", "count_step"]


@dataclass(frozen=True)
class GraphNode:
    name: str
    op: str
    origin: Origin
    inputs: list[str]
    control_inputs: list[str]
    in_evaluate: bool
    in_step: bool
    initializer_only: bool  # Runs only when the variables are initialised (or reset).
    unreadable: Unreadable | None  # None: its value can be read without side effects.
    role: Role | None = None

    @property
    def readable(self) -> bool:
        return self.unreadable is None


@dataclass(frozen=True)
class GraphView:
    nodes: list[GraphNode]

    @property
    def readable(self) -> frozenset[str]:
        return frozenset(node.name for node in self.nodes if node.readable)
