import dataclasses
import json

import pytest

from app.domain.data import sample_dataset
from app.domain.schedules import LearningRateSchedule
from app.domain.spec import TrainingSpec
from app.settings import PROJECT_ROOT
from app.training.graph_view import origin_of
from app.training.model import LinearRegressionModel

# The sample's graph as GET /graph describes it, which tests/js lays out under Node.
JS_FIXTURE = PROJECT_ROOT / "tests" / "js" / "sample-graph.json"


@pytest.fixture(scope="module")
def nodes():
    with LinearRegressionModel(sample_dataset(), TrainingSpec(0.002, 0)) as model:
        yield {node.name: node for node in model.graph_view.nodes}


def test_the_learners_program_is_marked_as_theirs(nodes):
    for name, op in [
        ("input", "Const"),
        ("target", "Const"),
        ("weights", "VarHandleOp"),
        ("yhat", "MatMul"),
        ("yerror", "Sub"),
        ("loss", "L2Loss"),
    ]:
        assert nodes[name].op == op
        assert nodes[name].origin == "learner"


def test_minimize_adds_gradient_ops_and_the_update(nodes):
    gradients = [n for n in nodes.values() if n.name.startswith("gradients/")]
    assert gradients
    assert all(n.origin == "minimize" for n in gradients)
    (apply,) = [n for n in nodes.values() if n.op.endswith("ApplyGradientDescent")]
    assert apply.origin == "minimize"
    assert apply.name.startswith("GradientDescent/")
    assert "weights" in apply.inputs
    assert any(name.startswith("gradients/") for name in apply.inputs)


def test_the_update_is_marked_as_the_update(nodes):
    (update,) = [n for n in nodes.values() if n.role == "update"]
    assert update.name == "GradientDescent/update_weights/ResourceApplyGradientDescent"


def test_the_global_steps_counter_is_stepwises_not_minimizes(nodes):
    # Stepwise passes global_step to apply_gradients to count steps; the sample's
    # minimize(loss) has none and makes a NoOp there instead. apply_gradients names the
    # increment after the optimizer, so its name alone would say minimize() added it.
    (counter,) = [n for n in nodes.values() if n.role == "count_step"]
    assert (counter.name, counter.op) == ("GradientDescent", "AssignAddVariableOp")
    assert counter.origin == "stepwise"
    assert counter.inputs == ["global_step", "GradientDescent/Const"]
    assert nodes["GradientDescent/Const"].origin == "stepwise"  # The 1 it adds.
    assert nodes["GradientDescent/Const"].role is None
    # The rest of the scope is apply_gradients' own.
    for name in ("GradientDescent/learning_rate", "GradientDescent/update"):
        assert nodes[name].origin == "minimize", name
        assert nodes[name].role is None, name


def test_what_evaluate_and_step_run(nodes):
    apply = next(n for n in nodes.values() if n.op.endswith("ApplyGradientDescent"))
    assert apply.in_step and not apply.in_evaluate
    assert nodes["loss"].in_evaluate and nodes["loss"].in_step
    assert not any(n.in_evaluate for n in nodes.values() if n.origin == "minimize")
    # Initialisation runs in neither.
    assert not nodes["init"].in_step and not nodes["init"].in_evaluate
    assert nodes["init"].initializer_only and nodes["random_normal"].initializer_only
    assert not nodes["weights"].initializer_only  # Every action reads the variable.


def test_only_side_effect_free_nodes_are_readable(nodes):
    assert nodes["loss"].readable
    assert nodes["gradients/yhat_grad/tuple/control_dependency_1"].readable
    assert nodes["weights"].readable  # The variable, read by its own read op.
    assert nodes["weights/Assign"].unreadable == "changes_run"
    assert nodes["random_normal"].unreadable == "random"  # Would draw new numbers.
    assert nodes["init"].unreadable == "changes_run"  # It would re-initialise the weights.
    assert nodes["gradients/yhat_grad/tuple/group_deps"].unreadable == "no_output"
    assert nodes["stepwise_surface/losses"].unreadable == "needs_feed"
    apply = next(n for n in nodes.values() if n.op.endswith("ApplyGradientDescent"))
    assert apply.unreadable == "changes_run"


@pytest.mark.parametrize(
    ("name", "origin"),
    [
        ("yhat", "learner"),
        ("gradients/loss_grad/mul", "minimize"),
        ("GradientDescent/update", "minimize"),
        ("stepwise_after/loss", "stepwise"),
        ("global_step/Assign", "stepwise"),
    ],
)
def test_origin_by_name(name, origin):
    assert origin_of(name) == origin


def test_an_optimizers_slots_and_update_are_minimizes_nodes():
    with LinearRegressionModel(sample_dataset(), TrainingSpec(0.1, 0, "adam")) as model:
        origins = {node.name: node.origin for node in model.graph_view.nodes}
        roles = {node.name: node.role for node in model.graph_view.nodes if node.role}
    assert roles == {"Adam/update_weights/ResourceApplyAdam": "update", "Adam": "count_step"}
    for name in (
        "weights/Adam",
        "weights/Adam_1",
        "beta1_power",
        "Adam/update_weights/ResourceApplyAdam",
    ):
        assert origins[name] == "minimize", name
    assert origins["weights"] == "learner"
    assert origins["weights/Read/ReadVariableOp"] == "learner"
    assert origins["Adam"] == origins["Adam/Const"] == "stepwise"  # The global step's counter.
    assert origins["Adam/update"] == "minimize"


def test_the_js_tests_draw_the_samples_real_graph(nodes):
    described = [{**dataclasses.asdict(node), "readable": node.readable} for node in nodes.values()]
    fixture = json.loads(JS_FIXTURE.read_text())["nodes"]
    assert fixture == described, f"rewrite {JS_FIXTURE} from GET /api/runs/{{id}}/graph"


def test_every_node_said_readable_can_be_read_under_a_piecewise_schedule():
    # The schedule's `case` builds conditions whose branches' ops TensorFlow refuses to fetch;
    # they were said readable, and reading one answered 500 (found by probing the API).
    schedule = LearningRateSchedule(
        "piecewise_constant", {"boundaries": [3, 9], "values": [0.002, 0.001, 0.0005]}
    )
    spec = TrainingSpec(0.002, 0, "adam", batch_size=2, schedule=schedule)
    with LinearRegressionModel(sample_dataset(), spec) as model:
        nodes = model.graph_view.nodes
        in_branch = [node for node in nodes if node.unreadable == "in_branch"]
        assert in_branch
        assert all("PiecewiseConstant/case/" in node.name for node in in_branch)
        for node in nodes:
            if node.readable:
                model.read_node(node.name)  # Raises for a node TensorFlow will not fetch.
