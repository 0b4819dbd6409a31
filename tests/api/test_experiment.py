"""Runs with their own settings, optimizers and data; forks; the stable learning rate."""

import numpy as np
import pytest

from app.domain.data import validated_dataset
from tests.api.sse import strict_json
from tests.api.test_runs import create, step
from tests.conftest import TEST_MAX_POINTS


def history_numbers(run: dict) -> list[tuple]:
    return [
        (s["step"], s["loss_after"], s["weights_after"]["b"], s["weights_after"]["m"])
        for s in run["history"]
    ]


def refused(client, body: dict, *fragments: str) -> str:
    response = client.post("/api/runs", json=body)
    assert response.status_code == 422, response.text
    detail = strict_json(response.text)["detail"]
    for fragment in fragments:
        assert fragment in detail
    return detail


@pytest.mark.parametrize(
    ("learning_rate", "optimizer", "slots"),
    [
        (0.002, {"name": "gradient_descent"}, set()),
        (0.002, {"name": "momentum", "momentum": 0.5, "use_nesterov": True}, {"momentum"}),
        (0.5, {"name": "adagrad"}, {"accumulator"}),
        (0.05, {"name": "rmsprop", "centered": True}, {"rms", "mg", "momentum"}),
        (0.1, {"name": "adam", "beta1": 0.8}, {"m", "v", "beta1_power", "beta2_power"}),
    ],
)
def test_each_optimizer_runs_and_explains_its_slots(client, learning_rate, optimizer, slots):
    run = create(client, learning_rate=learning_rate, optimizer=optimizer)
    assert run["config"]["optimizer"] == optimizer["name"]
    assert {k: v for k, v in run["config"]["optimizer_params"].items() if k in optimizer} == {
        k: v for k, v in optimizer.items() if k != "name"
    }
    batch = step(client, run["id"], 3)
    assert batch["records"][-1]["loss_after"] < batch["records"][0]["loss_before"]
    detail = client.get(f"/api/runs/{run['id']}/steps/2").json()
    assert set(detail["variables_before"]) == {"weights", *slots}
    assert set(detail["variables_after"]) == {"weights", *slots}
    assert detail["variables_after"]["weights"] == [
        detail["weights_after"]["b"],
        detail["weights_after"]["m"],
    ]
    assert detail["check"]["within_float32_rounding"]
    assert set(detail["check"]["after"]) == {"weights", *slots}
    preview = client.get(f"/api/runs/{run['id']}/steps/4").json()
    assert preview["applied"] is False
    assert preview["variables_before"]["weights"] == [
        batch["records"][-1]["weights_after"]["b"],
        batch["records"][-1]["weights_after"]["m"],
    ]


def test_mini_batch_steps_name_their_points(client):
    run = create(client, num_points=7, batch_size=3, loss="mean_squared_error")
    step(client, run["id"], 2)
    detail = client.get(f"/api/runs/{run['id']}/steps/2").json()
    assert len(detail["batch"]) == 3
    assert [i for i, p in enumerate(detail["points"]) if p["in_batch"]] == sorted(detail["batch"])
    # The shares of points outside the batch are zero, and the batch's add up to the gradient.
    shares = np.array([[p["contribution_b"], p["contribution_m"]] for p in detail["points"]])
    outside = [i for i in range(7) if i not in detail["batch"]]
    assert np.all(shares[outside] == 0)
    gradient = [detail["gradient"]["b"], detail["gradient"]["m"]]
    np.testing.assert_allclose(shares.sum(axis=0), gradient, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    ("body", "fragments"),
    [
        ({"optimizer": {"name": "lbfgs"}}, ["optimizer"]),
        ({"optimizer": {"name": "momentum", "momentum": 1.5}}, ["momentum"]),
        ({"optimizer": {"name": "adam", "beta2": 1.0}}, ["beta2"]),
        ({"optimizer": {"name": "adam", "momentum": 0.9}}, ["momentum"]),
        ({"optimizer": {"name": "rmsprop", "epsilon": 0}}, ["epsilon"]),
        ({"loss": "hinge"}, ["loss"]),
        ({"batch_size": 0}, ["batch_size"]),
        ({"batch_size": 6}, ["batch_size", "5"]),
        ({"preset": "spiral"}, ["preset"]),
        ({"preset": "steep", "points_csv": "1,2\n3,4"}, ["only one of"]),
    ],
)
def test_out_of_range_settings_say_which_field(client, body, fragments):
    refused(client, body, *fragments)


@pytest.mark.parametrize(
    ("csv", "fragments"),
    [
        ("x,y\n1,2\nabc,3\n", ["points_csv", "line 3", "x is not a number", "'abc'"]),
        ("1,2\n3\n", ["line 2", "two values"]),
        ("1,2,3\n4,5,6\n", ["line 1", "found 3"]),
        # Not a header: a first line of numbers in the wrong shape (once a run of 2 points).
        ("1 2\n2,3\n3,4", ["points_csv: line 1", "found 1", "comma"]),
        ("1,2\n3,nan\n", ["line 2", "y must be a finite number"]),
        ("1,2\n1,3\n1,4\n", ["all points share one x"]),
        ("1,2\n", ["at least 2 points"]),
        ("", ["at least 2 points"]),
        ("".join(f"{i},{i}\n" for i in range(TEST_MAX_POINTS + 1)), ["more than the 50"]),
        ("1,1e39\n2,3\n", ["from -1,000,000 to 1,000,000"]),
    ],
)
def test_malformed_csv_says_which_line_is_wrong(client, csv, fragments):
    refused(client, {"points_csv": csv}, *fragments)


@pytest.mark.parametrize(
    ("body", "fragments"),
    [
        # JSON points are bounded by their schema; CSV and the recipe by the data's check.
        ({"points_csv": "1e30,1e30\n-1e30,2"}, ["points_csv", "1,000,000"]),
        ({"points_csv": "1,1e30\n2,-1e30"}, ["points_csv", "1,000,000"]),
        ({"points_csv": "1,1000000.5\n2,3"}, ["points_csv", "1,000,000"]),
        ({"noise": 0, "x_range": [0, 1e-320]}, ["x_range", "one x value"]),
        ({"noise": 0, "x_range": [999999.99, 1e6]}, ["x_range", "one x value"]),
        ({"noise": 2, "x_range": [999990, 1e6]}, ["x_range", "1,000,000"]),
    ],
)
def test_data_the_graph_cannot_compute_with_is_refused_and_nothing_is_stored(
    client, body, fragments
):
    # Once a 500 that had already stored a run its page could never show (found by probing).
    refused(client, body, *fragments)
    assert client.app.state.service.summaries(10) == []


def test_coordinates_at_the_bound_are_taken(client):
    run = create(client, points_csv="-1000000,1000000\n1000000,-1000000\n0,0")
    assert run["points"]["x"] == [-1e6, 1e6, 0.0]
    assert all(value is not None for value in run["stability"].values())


def test_csv_points_become_the_run_data(client):
    run = create(client, points_csv="x;y\n-1;2.5\n\n0;1\n2;-1.5\n")
    assert run["points"] == {"x": [-1.0, 0.0, 2.0], "y": [2.5, 1.0, -1.5]}
    assert run["config"]["custom_points"] is True
    assert run["config"]["noise"] is None


@pytest.mark.parametrize("preset", ["outlier", "steep", "far_from_zero"])
def test_presets_make_their_data_and_the_stability_matches_numpy(client, preset):
    run = create(client, preset=preset)
    assert run["config"]["preset"] == preset
    data = validated_dataset(run["points"]["x"], run["points"]["y"])
    x = np.stack([np.ones_like(data.x), data.x], axis=1)
    eigenvalues = np.linalg.eigvalsh(x.T @ x)
    stability = run["stability"]
    np.testing.assert_allclose(stability["hessian_eigenvalues"], eigenvalues, rtol=1e-3)
    limit = 2 / eigenvalues[-1]
    assert stability["max_stable_learning_rate"] == pytest.approx(limit, rel=1e-4)
    assert limit / 2 * 0.9 <= stability["suggested_learning_rate"] <= limit / 2


def test_far_from_zero_diverges_at_the_sample_rate_and_converges_at_the_suggested_one(client):
    diverging = create(client, preset="far_from_zero")
    assert step(client, diverging["id"], 200)["diverged"]
    suggested = diverging["stability"]["suggested_learning_rate"]
    retry = create(client, preset="far_from_zero", learning_rate=suggested)
    batch = step(client, retry["id"], 200)
    assert not batch["diverged"]
    losses = np.array([r["loss_after"] for r in batch["records"]])
    # It crawls (XᵀX's condition number is in the millions), so float32 noise shows: the loss
    # never rises by more than rounding, and ends lower.
    assert np.all(np.diff(losses) <= 1e-5 * losses[1:])
    assert losses[-1] < losses[0] < retry["current"]["loss"]


def test_momentum_and_mse_change_the_stable_rate(client):
    plain = create(client)["stability"]
    heavy = create(client, optimizer={"name": "momentum", "momentum": 0.5})["stability"]
    nesterov = create(client, optimizer={"name": "momentum", "momentum": 0.5, "use_nesterov": True})
    adam = create(client, optimizer={"name": "adam"})["stability"]
    mse = create(client, loss="mean_squared_error")["stability"]
    limit = plain["max_stable_learning_rate"]
    assert heavy["max_stable_learning_rate"] == pytest.approx(limit * 1.5)
    assert nesterov["stability"]["max_stable_learning_rate"] == pytest.approx(limit * 1.5 / 2)
    assert adam["max_stable_learning_rate"] is None
    assert mse["hessian_eigenvalues"][1] == pytest.approx(plain["hessian_eigenvalues"][1] * 2 / 5)


@pytest.mark.parametrize("settings_of_run", [{"optimizer": {"name": "adam"}}, {"batch_size": 2}])
def test_a_fork_continues_exactly_as_the_original_would(client, settings_of_run):
    original = create(client, learning_rate=0.05, **settings_of_run)
    step(client, original["id"], 10)
    response = client.post(f"/api/runs/{original['id']}/fork", json={"step": 6})
    assert response.status_code == 201, response.text
    fork = response.json()
    assert fork["id"] != original["id"]
    assert response.headers["location"] == f"/api/runs/{fork['id']}"
    assert fork["config"]["forked_from"] == {"run_id": original["id"], "step": 6}
    whole = client.get(f"/api/runs/{original['id']}").json()
    assert fork["history"] == whole["history"][:6]
    assert fork["current"]["step"] == 6
    continued = step(client, fork["id"], 4)["records"]
    assert continued == whole["history"][6:]
    # The original is untouched.
    assert client.get(f"/api/runs/{original['id']}").json()["history"] == whole["history"]


def test_a_fork_from_step_zero_starts_over_and_forks_refuse_bad_steps(client):
    original = create(client, learning_rate=1.0)
    diverged = step(client, original["id"], 100)
    assert diverged["diverged"]
    last = diverged["records"][-1]["step"]
    fresh = client.post(f"/api/runs/{original['id']}/fork", json={"step": 0}).json()
    assert fresh["history"] == [] and fresh["current"]["step"] == 0
    assert fresh["initial_weights"] == original["initial_weights"]
    overflowed = client.post(f"/api/runs/{original['id']}/fork", json={"step": last})
    assert overflowed.status_code == 422
    assert "earlier step" in overflowed.json()["detail"]
    beyond = client.post(f"/api/runs/{original['id']}/fork", json={"step": last + 1})
    assert beyond.status_code == 422  # The run exists; the step asked for does not.
    assert beyond.json()["detail"] == (
        f"step must be from 0 (the start) to {last}, this run's last step"
    )
    assert client.post(f"/api/runs/{original['id']}/fork", json={"step": -1}).status_code == 422
    assert client.post("/api/runs/nope/fork", json={"step": 0}).status_code == 404


def test_a_json_body_sent_as_text_is_told_its_content_type(client):
    for headers in ({"Content-Type": "text/plain"}, {}):
        response = client.post("/api/runs", content=b'{"learning_rate": 0.01}', headers=headers)
        assert response.status_code == 422
        assert "Content-Type: application/json" in response.json()["detail"]
    assert client.app.state.service.summaries(10) == []


def test_a_huge_batch_size_is_refused_without_quoting_its_hundreds_of_digits(client):
    detail = refused(client, {"batch_size": 1e308}, "batch_size")
    assert len(detail) < 100
