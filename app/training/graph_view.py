"""A description of a run's `tf.Graph`: who wrote each node, and what each action runs."""

from collections.abc import Iterable
from typing import Any

import tensorflow as tf

from app.domain.graph import GraphNode, GraphView, Origin, Role, Unreadable
from app.domain.spec import OPTIMIZER_SCOPES

v1 = tf.compat.v1

# minimize() names what it adds under these scopes: the gradient ops, the optimizer's update
# (under its default name), its slot variables (beside the variable, as `weights/Adam`) and
# Adam's powers of β. Stepwise names its own reads and the global step counter it keeps.
# Everything else is the learner's program.
_OPTIMIZER_NAMES = tuple(OPTIMIZER_SCOPES.values())
_MINIMIZE_PREFIXES = (
    "gradients/",
    *_OPTIMIZER_NAMES,
    *(f"weights/{name}" for name in _OPTIMIZER_NAMES),
    "beta1_power",
    "beta2_power",
)
_STEPWISE_PREFIXES = ("stepwise_", "global_step")
# apply_gradients names the global step's increment as the optimizer (`GradientDescent`), so
# its name alone would make it minimize()'s: `_step_counter` finds it by what it does.
_ASSIGN_ADD_OPS = frozenset({"AssignAddVariableOp", "AssignAdd"})

# Running a node that depends on one of these would change the run (assign, apply an update)
# or show a value never used (a new random draw); such nodes are not read on request.
_ASSIGN_OPS = frozenset({"AssignVariableOp", "AssignAddVariableOp", "AssignSubVariableOp"})
_UPDATE_OP_PREFIXES = ("ResourceApply", "Apply")
_RANDOM_OPS = frozenset({"RandomStandardNormal"})
_EFFECTS_IN_ORDER: tuple[Unreadable, ...] = ("changes_run", "random", "needs_feed")


def origin_of(name: str) -> Origin:
    """Who wrote the op `name`, by its name (the global step's increment aside: see
    `_step_counter`)."""
    if name.startswith(_STEPWISE_PREFIXES):
        return "stepwise"
    if name.startswith(_MINIMIZE_PREFIXES):
        return "minimize"
    return "learner"


def _step_counter(graph: tf.Graph) -> frozenset[tf.Operation]:
    """The ops that add 1 to the global step after each update, and the constant 1 they add.

    Stepwise passes `global_step` to `apply_gradients` to count steps; without it (as the
    sample's `minimize(loss)` is called) TensorFlow makes a NoOp in their place.
    """
    steps = {variable.op for variable in graph.get_collection(v1.GraphKeys.GLOBAL_STEP)}
    counters = {
        op
        for op in graph.get_operations()
        if op.type in _ASSIGN_ADD_OPS and op.inputs and op.inputs[0].op in steps
    }
    increments = {
        tensor.op
        for counter in counters
        for tensor in counter.inputs[1:]
        if tensor.op.type == "Const" and set(tensor.consumers()) <= counters
    }
    return frozenset(counters | increments)


def _role(op: tf.Operation, counter: frozenset[tf.Operation]) -> Role | None:
    if op.type.startswith(_UPDATE_OP_PREFIXES):
        return "update"
    if op in counter and op.type in _ASSIGN_ADD_OPS:
        return "count_step"
    return None


def _dependencies(op: tf.Operation) -> list[tf.Operation]:
    return [tensor.op for tensor in op.inputs] + list(op.control_inputs)


def _closure(ops: Iterable[tf.Operation]) -> set[tf.Operation]:
    """Every op that running `ops` executes: their inputs and control inputs, transitively."""
    seen: set[tf.Operation] = set()
    stack = list(ops)
    while stack:
        op = stack.pop()
        if op not in seen:
            seen.add(op)
            stack.extend(_dependencies(op))
    return seen


def _ops_of(graph: tf.Graph, fetches: Iterable[Any]) -> list[tf.Operation]:
    """The ops behind session.run fetches (tensors, ops, or variables read by their read op)."""
    elements = [graph.as_graph_element(fetch) for fetch in tf.nest.flatten(list(fetches))]
    return [element if isinstance(element, tf.Operation) else element.op for element in elements]


def _own_effect(op: tf.Operation) -> frozenset[Unreadable]:
    """What running `op` itself would do that a read must not (or cannot) do."""
    if op.type in _ASSIGN_OPS or op.type.startswith(_UPDATE_OP_PREFIXES):
        return frozenset({"changes_run"})
    if op.type in _RANDOM_OPS:
        return frozenset({"random"})
    if op.type == "Placeholder":
        return frozenset({"needs_feed"})
    return frozenset()


def _effects(ops: list[tf.Operation]) -> dict[tf.Operation, frozenset[Unreadable]]:
    """For each op, the effects of running it: its own and those of every op it runs.

    Passed from inputs to consumers in the order the ops were made, again until nothing
    changes: a while loop's back edge (NextIteration into Merge) comes from a later op, and
    each loop level costs one more pass. Linear in the graph's edges a pass, where looking up
    each op's own closure was quadratic (a piecewise schedule of 20 boundaries: 2,400 ops, 0.6 s).
    """
    effects = {op: _own_effect(op) for op in ops}
    changed = True
    while changed:
        changed = False
        for op in ops:
            merged = effects[op].union(*(effects[dep] for dep in _dependencies(op)))
            if merged != effects[op]:
                effects[op] = merged
                changed = True
    return effects


def _unreadable(
    op: tf.Operation, variables: frozenset[str], effects: frozenset[Unreadable]
) -> Unreadable | None:
    if op.name in variables:
        return None  # A variable's handle: its value is read by the variable's own read op.
    for effect in _EFFECTS_IN_ORDER:  # The first that applies is what the page says.
        if effect in effects:
            return effect
    if not op.outputs:
        return "no_output"
    if op.outputs[0].dtype in (tf.resource, tf.variant):
        return "handle"
    if not op.graph.is_fetchable(op):
        # Inside a branch of a condition (a piecewise schedule's case): TensorFlow refuses
        # to fetch it, as it has a value only while its branch runs.
        return "in_branch"
    return None


def describe_graph(
    graph: tf.Graph,
    evaluate: Iterable[Any],
    step: Iterable[Any],
    initialize: Any,
    variables: Iterable[str],
) -> GraphView:
    """Describe every node of `graph`, marking those that each group of fetches runs.

    `variables` names the variables' handle ops, whose values can be read.
    """
    variable_names = frozenset(variables)
    evaluated = _closure(_ops_of(graph, evaluate))
    stepped = _closure(_ops_of(graph, step))
    initializing = _closure(_ops_of(graph, [initialize])) - evaluated - stepped
    counter = _step_counter(graph)
    operations = graph.get_operations()
    effects = _effects(operations)
    nodes = [
        GraphNode(
            name=op.name,
            op=op.type,
            origin="stepwise" if op in counter else origin_of(op.name),
            inputs=[tensor.op.name for tensor in op.inputs],
            control_inputs=[control.name for control in op.control_inputs],
            in_evaluate=op in evaluated,
            in_step=op in stepped,
            initializer_only=op in initializing,
            unreadable=_unreadable(op, variable_names, effects[op]),
            role=_role(op, counter),
        )
        for op in operations
    ]
    return GraphView(nodes=nodes)
