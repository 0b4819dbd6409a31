"""Assignment links: `/new?…&lock=…` starts a run whose locked settings runs made from it keep."""

import pytest

from app.api.assignment_query import parse_assignment
from app.runs.errors import InvalidRunRequestError
from tests.navigation import NAVIGATION
from tests.owners import owner_headers


def open_link(client, **params) -> dict:
    """Follow an assignment link as a student's browser does; the run and its token."""
    response = client.get("/new", params=params, headers=NAVIGATION, follow_redirects=False)
    assert response.status_code == 303, response.text
    path, fragment = response.headers["location"].split("#")
    run = client.get("/api" + path.split("?")[0]).json()
    return {**run, "owner_token": fragment.removeprefix("owner=")}


def test_the_link_creates_a_run_with_its_settings_and_locks(client):
    run = open_link(client, lr="0.01", optimizer="adam", beta1="0.8", seed="4", lock="lr,optimizer")
    config = run["config"]
    assert config["learning_rate"] == 0.01
    assert config["optimizer"] == "adam"
    assert config["optimizer_params"] == {"beta1": 0.8, "beta2": 0.999, "epsilon": 1e-8}
    assert config["seed"] == 4
    assert config["locks"] == ["learning_rate", "optimizer"]
    # The student owns it: the fragment's token steps it.
    response = client.post(f"/api/runs/{run['id']}/step", headers=owner_headers(run))
    assert response.status_code == 200


def test_every_setting_can_be_given_in_the_link(client):
    run = open_link(
        client,
        learning_rate="0.003",
        optimizer="momentum",
        momentum="0.5",
        use_nesterov="true",
        loss="mean_squared_error",
        batch_size="2",
        num_points="6",
        noise="0.5",
        x_min="-4",
        x_max="4",
        initial_b="0.25",
        initial_m="-0.5",
        lock="data,initial_weights,batch_size,loss,seed",
        lang="zh",
    )
    config = run["config"]
    assert config["optimizer_params"] == {"momentum": 0.5, "use_nesterov": True}
    assert (config["loss"], config["batch_size"], config["num_points"]) == (
        "mean_squared_error",
        2,
        6,
    )
    assert config["x_range"] == [-4.0, 4.0] and config["noise"] == 0.5
    assert run["initial_weights"] == {"b": 0.25, "m": -0.5}
    assert config["locks"] == ["data", "initial_weights", "batch_size", "loss", "seed"]
    points = open_link(client, points="0,1;1,3;2,5")["points"]
    assert points == {"x": [0.0, 1.0, 2.0], "y": [1.0, 3.0, 5.0]}
    assert open_link(client, preset="steep")["config"]["preset"] == "steep"


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"lr": "fast"}, "lr: 'fast' is not a float number"),
        ({"lr": "0"}, "lr: Input should be greater than 0"),
        ({"learning_rate": "1000"}, "learning_rate: Input should be less than or equal to 100"),
        ({"optimizer": "sgd"}, "optimizer:"),
        ({"optimizer": "adam", "momentum": "0.5"}, "momentum: AdamOptimizer has no such"),
        ({"beta1": "0.5"}, "beta1: choose the optimizer"),
        ({"optimizer": "adam", "beta1": "1.5"}, "beta1: Input should be less than 1"),
        ({"optimizer": "momentum", "use_nesterov": "maybe"}, "use_nesterov: write true or false"),
        ({"seed": "1.5"}, "seed: '1.5' is not a int number"),
        ({"batch_size": "9"}, "batch_size: at most the number of points (5)"),
        ({"points": "0,1;1"}, "points: line 2"),
        ({"preset": "huge"}, "preset:"),
        ({"initial_b": "1"}, "initial_b, initial_m: give both"),
        ({"colour": "red"}, "colour: not a setting"),
        ({"lr": "0.1", "lock": "lr,speed"}, "lock: no setting named 'speed'"),
    ],
)
def test_a_bad_link_names_the_parameter(client, params, named):
    response = client.get("/new", params=params, headers=NAVIGATION, follow_redirects=False)
    assert response.status_code == 422
    assert "This assignment link cannot start a run" in response.text
    assert named in response.text.replace("&#39;", "'"), response.text


@pytest.mark.parametrize(
    ("params", "named"),
    [
        # Once a run of the preset's 9 points, the 20 asked for silently dropped.
        ({"preset": "outlier", "num_points": "20"}, "num_points: the preset 'outlier' makes"),
        ({"preset": "steep", "noise": "0"}, "noise: the preset 'steep' makes its own points"),
        ({"preset": "far_from_zero", "x_max": "5"}, "x_max: the preset 'far_from_zero'"),
        ({"points": "0,1;1,3;2,5", "num_points": "9"}, "num_points: the link's points are used"),
    ],
)
def test_a_link_refuses_settings_its_data_would_ignore(client, params, named):
    response = client.get("/new", params=params, headers=NAVIGATION, follow_redirects=False)
    assert response.status_code == 422
    assert "This assignment link cannot start a run" in response.text
    text = response.text.replace("&#39;", "'")
    assert named in text and "would be ignored" in text, text


def test_the_sample_preset_takes_the_recipe_settings(client):
    run = open_link(client, preset="sample", num_points="7", noise="0.5", lock="data")
    assert (run["config"]["num_points"], run["config"]["noise"]) == (7, 0.5)


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"preset": "outlier", "num_points": 20}, "num_points: the preset 'outlier' makes"),
        ({"preset": "steep", "noise": 0.0}, "noise: the preset 'steep'"),
        ({"preset": "far_from_zero", "x_range": [0, 1]}, "x_range: the preset 'far_from_zero'"),
        ({"points_csv": "1,2\n2,3", "num_points": 5}, "num_points: points_csv gives the points"),
        ({"points": [{"x": 0, "y": 1}, {"x": 1, "y": 2}], "noise": 1}, "noise: points gives"),
    ],
)
def test_the_api_refuses_recipe_settings_its_data_would_ignore(client, body, named):
    response = client.post("/api/runs", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["detail"].startswith(named)
    assert "would be ignored" in response.json()["detail"]
    # Without them, the same data is accepted; the sample's own recipe takes them.
    kept = {k: v for k, v in body.items() if k not in ("num_points", "noise", "x_range")}
    assert client.post("/api/runs", json=kept).status_code == 201
    recipe = client.post("/api/runs", json={"preset": "sample", "num_points": 7, "noise": 0.5})
    assert recipe.status_code == 201 and recipe.json()["config"]["num_points"] == 7


def test_repeated_settings_are_refused():
    with pytest.raises(InvalidRunRequestError, match="lr: given twice"):
        parse_assignment([("lr", "0.1"), ("lr", "0.2")])


def based_on(client, base: dict, **spec) -> object:
    return client.post("/api/runs", json={**spec, "based_on": base["id"]})


def test_runs_based_on_a_locked_run_keep_its_locked_values(client):
    base = open_link(client, lr="0.01", optimizer="adam", lock="lr,optimizer")
    adam = {"name": "adam"}
    kept = based_on(client, base, learning_rate=0.01, optimizer=adam, seed=7, loss="l2_loss")
    assert kept.status_code == 201, kept.text
    assert kept.json()["config"]["locks"] == ["learning_rate", "optimizer"]  # Inherited.
    assert kept.json()["config"]["seed"] == 7  # Unlocked settings change freely.

    changed = based_on(client, base, learning_rate=0.02, optimizer=adam)
    assert changed.status_code == 422
    assert changed.json()["detail"].startswith("learning_rate: set by your teacher")
    other = based_on(client, base, learning_rate=0.01, optimizer={"name": "adam", "beta1": 0.5})
    assert other.status_code == 422
    assert other.json()["detail"].startswith("optimizer: set by your teacher")
    # A run based on an inheriting run is held to the same locks.
    again = based_on(client, kept.json(), learning_rate=0.5, optimizer=adam)
    assert again.status_code == 422


def test_locked_data_and_weights_compare_by_value(client):
    base = open_link(client, preset="outlier", lock="data,initial_weights")
    same_points = [
        {"x": x, "y": y} for x, y in zip(base["points"]["x"], base["points"]["y"], strict=True)
    ]
    as_list = based_on(client, base, points=same_points, initial_weights=base["initial_weights"])
    assert as_list.status_code == 201, as_list.text
    moved = based_on(client, base, preset="steep")
    assert moved.status_code == 422
    assert moved.json()["detail"].startswith("data: set by your teacher")


def test_forks_of_a_locked_run_keep_the_locks(client, viewer):
    base = open_link(client, lr="0.01", lock="lr")
    fork = viewer.post(f"/api/runs/{base['id']}/fork", json={"step": 0}).json()
    assert fork["config"]["locks"] == ["learning_rate"]
    assert based_on(client, fork, learning_rate=0.1).status_code == 422


def test_based_on_an_unlocked_or_missing_run(client):
    plain = client.post("/api/runs").json()
    response = based_on(client, plain, learning_rate=0.5)
    assert response.status_code == 201
    assert response.json()["config"]["locks"] == []
    missing = client.post("/api/runs", json={"based_on": "nope"})
    assert missing.status_code == 422
    assert missing.json()["detail"] == "based_on: no run with id 'nope'"
