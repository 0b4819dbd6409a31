import numpy as np
import pytest

from app.domain.data import sample_dataset
from tests.api.sse import strict_json
from tests.api.test_runs import create, step


def detail(client, run_id, k):
    response = client.get(f"/api/runs/{run_id}/steps/{k}")
    assert response.status_code == 200, response.text
    return strict_json(response.text)


def test_a_stored_step_is_explained_with_its_own_numbers(client):
    run = create(client)
    records = step(client, run["id"], 3)["records"]
    explained = detail(client, run["id"], 2)
    record = records[1]
    assert explained["applied"] is True
    assert explained["learning_rate"] == 0.002
    for field in ("weights_before", "gradient", "weights_after", "loss_before", "loss_after"):
        assert explained[field] == record[field]
    points = explained["points"]
    assert [p["x"] for p in points] == run["points"]["x"]
    assert sum(p["contribution_b"] for p in points) == pytest.approx(
        record["gradient"]["b"], rel=1e-5
    )
    assert sum(p["contribution_m"] for p in points) == pytest.approx(
        record["gradient"]["m"], rel=1e-5
    )
    for p in points:
        assert p["residual"] == pytest.approx(p["prediction"] - p["y"], abs=1e-5)
    # The predictions are yhat at the step's starting weights.
    w = record["weights_before"]
    np.testing.assert_allclose(
        [p["prediction"] for p in points], w["b"] + w["m"] * np.array(run["points"]["x"]), rtol=1e-5
    )
    check = explained["check"]
    assert check["gradient"] == pytest.approx(record["gradient"], rel=1e-5)
    assert check["weights_after"] == pytest.approx(record["weights_after"], rel=1e-5)
    assert 0 <= check["max_abs_difference"] < 1e-3
    assert check["max_rel_difference"] < 1e-5
    assert check["within_float32_rounding"] is True


def test_the_next_step_is_explained_before_it_runs(client):
    run = create(client)
    step(client, run["id"], 2)
    preview = detail(client, run["id"], 3)
    assert preview["applied"] is False
    assert preview["weights_after"] is None and preview["loss_after"] is None
    assert preview["check"]["weights_after"] is None
    assert preview["preview"]["weights_after"]["b"] is not None
    applied = step(client, run["id"])["records"][0]
    assert preview["gradient"] == applied["gradient"]
    assert preview["weights_before"] == applied["weights_before"]
    assert detail(client, run["id"], 3)["applied"] is True


OPTIMIZERS = {
    "gradient_descent": {"learning_rate": 0.002},
    "momentum": {"learning_rate": 0.002, "optimizer": {"name": "momentum"}},
    "adagrad": {"learning_rate": 0.5, "optimizer": {"name": "adagrad"}},
    "rmsprop": {"learning_rate": 0.05, "optimizer": {"name": "rmsprop"}},
    "adam": {"learning_rate": 0.1, "optimizer": {"name": "adam"}},
    "adam-minibatch": {"learning_rate": 0.1, "optimizer": {"name": "adam"}, "batch_size": 2},
}


@pytest.mark.parametrize("config", OPTIMIZERS.values(), ids=OPTIMIZERS.keys())
def test_the_next_steps_preview_is_tensorflows_own_update_and_changes_nothing(client, config):
    run = create(client, **config)
    step(client, run["id"], 5)
    before = client.get(f"/api/runs/{run['id']}").json()
    preview = detail(client, run["id"], 6)
    assert detail(client, run["id"], 6) == preview  # Asking again previews the same update.
    assert preview["applied"] is False and preview["variables_after"] is None
    assert client.get(f"/api/runs/{run['id']}").json() == before
    applied = step(client, run["id"])["records"][0]
    assert preview["preview"]["weights_after"] == applied["weights_after"]
    assert preview["preview"]["loss_after"] == applied["loss_after"]
    stored = detail(client, run["id"], 6)
    assert stored["preview"] is None
    assert preview["preview"]["variables_after"] == stored["variables_after"]
    assert preview["variables_before"] == stored["variables_before"]


@pytest.mark.parametrize("k", [0, -1, 4])
def test_steps_outside_the_run_are_404(client, k):
    run = create(client)
    step(client, run["id"], 2)
    response = client.get(f"/api/runs/{run['id']}/steps/{k}")
    assert response.status_code == 404
    assert "this run has steps 1 to 2, and step 3 is the next one" in response.json()["detail"]


def test_step_detail_of_a_diverged_run(client):
    run = create(client, learning_rate=1.0)
    records = step(client, run["id"], 200)["records"]
    last = records[-1]["step"]
    assert client.get(f"/api/runs/{run['id']}/steps/{last + 1}").status_code == 409
    strict_json(client.get(f"/api/runs/{run['id']}/steps/{last}").text)  # No NaN in JSON.
    assert detail(client, run["id"], 1)["applied"] is True


def test_evaluate_reads_and_changes_nothing(client):
    run = create(client)
    step(client, run["id"], 4)
    before = client.get(f"/api/runs/{run['id']}").json()
    first = client.get(f"/api/runs/{run['id']}/evaluate").json()
    second = client.get(f"/api/runs/{run['id']}/evaluate").json()
    assert first == second == before["current"]
    assert first["step"] == 4
    assert client.get(f"/api/runs/{run['id']}").json() == before
    assert step(client, run["id"])["records"][0]["step"] == 5


def test_evaluate_refuses_a_diverged_run(client):
    run = create(client, learning_rate=1.0)
    step(client, run["id"], 200)
    assert client.get(f"/api/runs/{run['id']}/evaluate").status_code == 409


def test_graph_lists_the_learners_nodes_and_what_minimize_added(client):
    run = create(client)
    nodes = {n["name"]: n for n in client.get(f"/api/runs/{run['id']}/graph").json()["nodes"]}
    assert nodes["loss"]["origin"] == "learner"
    assert any(
        n["origin"] == "minimize" and n["name"].startswith("gradients/") for n in nodes.values()
    )
    apply = [n for n in nodes.values() if n["op"].endswith("ApplyGradientDescent")]
    assert len(apply) == 1
    assert apply[0]["in_step"] and not apply[0]["in_evaluate"]
    assert apply[0]["role"] == "update"
    # The global step's counter: apply_gradients names it after the optimizer, but it is there
    # because Stepwise passes global_step, not because the sample calls minimize().
    assert (nodes["GradientDescent"]["origin"], nodes["GradientDescent"]["role"]) == (
        "stepwise",
        "count_step",
    )


def test_node_values_come_from_the_session(client):
    run = create(client)
    step(client, run["id"], 3)
    value = client.get(f"/api/runs/{run['id']}/graph/value", params={"node": "loss"}).json()
    assert value["op"] == "L2Loss" and value["shape"] == []
    assert value["value"] == client.get(f"/api/runs/{run['id']}/evaluate").json()["loss"]
    gradient = client.get(
        f"/api/runs/{run['id']}/graph/value",
        params={"node": "gradients/yhat_grad/tuple/control_dependency_1"},
    ).json()
    assert [row[0] for row in gradient["value"]] == [
        detail(client, run["id"], 4)["gradient"][k] for k in ("b", "m")
    ]


@pytest.mark.parametrize(
    ("params", "status", "mentions"),
    [
        ({"node": "no/such/node"}, 404, "no node named"),
        ({"node": "GradientDescent"}, 422, "would change the run"),
        ({"node": "gradients/yhat_grad/tuple/group_deps"}, 422, "has no value of its own"),
        ({}, 422, "node"),
    ],
)
def test_bad_node_reads(client, params, status, mentions):
    run = create(client)
    response = client.get(f"/api/runs/{run['id']}/graph/value", params=params)
    assert response.status_code == status
    assert mentions in response.json()["detail"]
    assert client.get(f"/api/runs/{run['id']}").json()["history"] == []


def test_loss_surface_is_computed_on_the_grid_asked_for(client):
    run = create(client)
    params = {"b_min": -3, "b_max": 1, "m_min": 0, "m_max": 2, "size": 5}
    surface = client.get(f"/api/runs/{run['id']}/surface", params=params).json()
    assert surface["b"] == pytest.approx(np.linspace(-3, 1, 5).tolist())
    assert surface["m"] == pytest.approx(np.linspace(0, 2, 5).tolist())
    data = sample_dataset()
    b, m = surface["b"][1], surface["m"][3]
    expected = 0.5 * np.sum((np.float32(b) + np.float32(m) * data.x - data.y) ** 2)
    assert surface["loss"][3][1] == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize(
    ("params", "mentions"),
    [
        ({"b_min": 1, "b_max": 1, "m_min": 0, "m_max": 2}, "b_min must be less than b_max"),
        ({"b_min": 0, "b_max": 1, "m_min": 3, "m_max": 2}, "m_min must be less than m_max"),
        ({"b_min": 0, "b_max": 1, "m_min": 0, "m_max": 2, "size": 500}, "size"),
        ({"b_min": "nan", "b_max": 1, "m_min": 0, "m_max": 2}, "b_min"),
        ({"b_min": 0, "b_max": "inf", "m_min": 0, "m_max": 2}, "b_max"),
        ({"b_min": 0, "b_max": 1, "m_min": 0}, "m_max"),
    ],
)
def test_bad_surface_requests(client, params, mentions):
    run = create(client)
    response = client.get(f"/api/runs/{run['id']}/surface", params=params)
    assert response.status_code == 422
    assert mentions in strict_json(response.text)["detail"]


def test_a_variable_node_shows_the_variables_value(client):
    run = create(client)
    step(client, run["id"], 2)
    value = client.get(f"/api/runs/{run['id']}/graph/value", params={"node": "weights"}).json()
    current = client.get(f"/api/runs/{run['id']}/evaluate").json()["weights"]
    assert value["op"] == "VarHandleOp"
    assert value["value"] == [[current["b"]], [current["m"]]]
