"""Downloads: the history as CSV and JSON, and scripts that print the run's own numbers."""

import csv
import io

import numpy as np
import pytest
from markupsafe import escape

from app.i18n import messages
from tests.api.test_runs import create, step
from tests.scripts import ATOL, rtol_of, scripts_running

# The first line of every CSV, as the API promises it.
HEADER_LINE = "step,b_before,m_before,grad_b,grad_m,b_after,m_after,loss_before,loss_after,diverged"
HEADER = HEADER_LINE.split(",")


def download(client, run_id, name, **params):
    response = client.get(f"/api/runs/{run_id}/{name}", params=params)
    assert response.status_code == 200, response.text
    return response


def attachment_name(response) -> str:
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment; ")
    return disposition.split('filename="', 1)[1].rstrip('"')


def csv_rows(client, run_id) -> list[dict[str, str]]:
    response = download(client, run_id, "history.csv")
    assert response.headers["content-type"].startswith("text/csv")
    assert attachment_name(response) == f"stepwise-{run_id}.csv"
    assert response.text.splitlines()[0] == HEADER_LINE
    reader = csv.DictReader(io.StringIO(response.text))
    return list(reader)


def row_values(row: dict[str, str]) -> dict[str, float | int | bool | None]:
    numbers = {name: None if row[name] == "" else float(row[name]) for name in HEADER[1:-1]}
    return {
        "step": int(row["step"]),
        **numbers,
        "diverged": {"true": True, "false": False}[row["diverged"]],
    }


def record_values(record) -> dict[str, float | int | bool | None]:
    """A step of GET /api/runs/{id} under the CSV's column names (null where it overflowed)."""
    return {
        "step": record["step"],
        "b_before": record["weights_before"]["b"],
        "m_before": record["weights_before"]["m"],
        "grad_b": record["gradient"]["b"],
        "grad_m": record["gradient"]["m"],
        "b_after": record["weights_after"]["b"],
        "m_after": record["weights_after"]["m"],
        "loss_before": record["loss_before"],
        "loss_after": record["loss_after"],
        "diverged": record["diverged"],
    }


def assert_csv_is_the_history(client, run_id) -> list[dict[str, str]]:
    history = client.get(f"/api/runs/{run_id}").json()["history"]
    rows = csv_rows(client, run_id)
    assert [row_values(row) for row in rows] == [record_values(r) for r in history]
    return rows


def test_csv_has_a_row_per_step_with_the_historys_values(client):
    run = create(client, optimizer={"name": "adam"}, learning_rate=0.05)
    step(client, run["id"], 6)
    rows = assert_csv_is_the_history(client, run["id"])
    assert [row["step"] for row in rows] == ["1", "2", "3", "4", "5", "6"]
    assert {row["diverged"] for row in rows} == {"false"}


def test_csv_leaves_overflowed_values_empty(client):
    run = create(client, learning_rate=1.0)  # Far beyond the stable rate: the loss overflows.
    assert step(client, run["id"], 200)["diverged"]
    rows = assert_csv_is_the_history(client, run["id"])
    assert [row["diverged"] for row in rows[-2:]] == ["false", "true"]
    assert "" in rows[-1].values()


def test_json_is_the_run_as_get_answers_it(client):
    run = create(client, batch_size=2, loss="mean_squared_error")
    step(client, run["id"], 3)
    response = download(client, run["id"], "history.json")
    assert response.headers["content-type"] == "application/json"
    assert attachment_name(response) == f"stepwise-{run['id']}.json"
    assert response.json() == client.get(f"/api/runs/{run['id']}").json()


def fork(client, run_id, at_step):
    response = client.post(f"/api/runs/{run_id}/fork", json={"step": at_step})
    assert response.status_code == 201, response.text
    return response.json()


def runs_to_export(client) -> dict[str, str]:
    """Runs of several kinds, each stepped a few times: name → run id."""
    sample = create(client)
    step(client, sample["id"], 7)
    own = create(
        client,
        points=[{"x": x, "y": 2.0 * x - 1.0 + (-1) ** i} for i, x in enumerate(range(-4, 5))],
        initial_weights={"b": 0.5, "m": -0.25},
        optimizer={"name": "momentum", "momentum": 0.7, "use_nesterov": True},
        loss="mean_squared_error",
        batch_size=4,
        learning_rate=0.01,
    )
    step(client, own["id"], 9)
    preset = create(
        client,
        preset="outlier",
        optimizer={"name": "rmsprop", "centered": True, "momentum": 0.5},
        learning_rate=0.05,
    )
    step(client, preset["id"], 5)
    # A fork shares its original's first steps, then goes on by itself.
    original = create(client, optimizer={"name": "adam"}, learning_rate=0.1, batch_size=3)
    step(client, original["id"], 6)
    forked = fork(client, original["id"], 4)
    step(client, forked["id"], 3)
    return {"sample": sample["id"], "own": own["id"], "preset": preset["id"], "fork": forked["id"]}


def history_trajectory(client, run_id) -> np.ndarray:
    history = client.get(f"/api/runs/{run_id}").json()["history"]
    return np.array(
        [
            [r["step"], r["loss_after"], r["weights_after"]["b"], r["weights_after"]["m"]]
            for r in history
        ]
    )


SCRIPTS = [  # Each flavour twice, each kind of run once at least (Keras has no RMSProp).
    ("sample", "compat_v1"),
    ("own", "tf2"),
    ("preset", "tf2"),
    ("fork", "compat_v1"),
    ("own", "keras"),
    ("fork", "keras"),
]
OPTIMIZERS = {"sample": "gradient_descent", "own": "momentum", "preset": "rmsprop", "fork": "adam"}


@pytest.mark.slow  # Runs each script in a Python of its own, TensorFlow imported each time.
def test_downloaded_scripts_print_the_runs_history(client, tmp_path):
    run_ids = runs_to_export(client)
    scripts = {}
    for name, flavor in SCRIPTS:
        response = download(client, run_ids[name], "script.py", flavor=flavor)
        assert response.headers["content-type"].startswith("text/x-python")
        assert attachment_name(response) == f"stepwise-{run_ids[name]}-{flavor}.py"
        scripts[f"{name}-{flavor}"] = response.text
    with scripts_running(scripts, tmp_path) as printed:
        for name, flavor in SCRIPTS:
            expected = history_trajectory(client, run_ids[name])
            np.testing.assert_allclose(
                printed[f"{name}-{flavor}"].result(),
                expected,
                rtol=rtol_of(flavor, OPTIMIZERS[name]),
                atol=ATOL,
                err_msg=f"{name}, {flavor}",
            )


def test_no_keras_script_is_offered_for_a_run_keras_cannot_reproduce(client):
    run_id = create(client, optimizer={"name": "rmsprop"})["id"]
    response = client.get(f"/api/runs/{run_id}/script.py", params={"flavor": "keras"})
    assert response.status_code == 422
    assert response.json()["detail"] == "flavor: " + messages("en")["code.keras_rmsprop"]
    page = client.get(f"/runs/{run_id}").text
    assert "flavor=keras" not in page and escape(messages("en")["code.keras_rmsprop"]) in page
    sample = create(client)["id"]
    page = client.get(f"/runs/{sample}").text
    assert "flavor=keras" in page and "tf.keras.layers.Dense(1)" in page


def test_script_says_what_it_reproduces_and_how_to_run_it(client):
    run_id = create(client)["id"]
    script = download(client, run_id, "script.py", flavor="tf2").text
    header = script.split("\n\n", 1)[0]
    assert run_id in header and f"/runs/{run_id}" in header
    assert f"python stepwise-{run_id}-tf2.py" in header
    assert all(line.startswith("# ") for line in header.splitlines())
    assert "for step in range(50):" in script  # No steps yet: the page's Run 50.
    step(client, run_id, 4)
    assert "for step in range(4):" in download(client, run_id, "script.py").text
    assert "for step in range(12):" in download(client, run_id, "script.py", steps=12).text
    assert "tf.compat.v1.Session()" in download(client, run_id, "script.py").text


@pytest.mark.parametrize("name", ["history.csv", "history.json", "script.py"])
def test_unknown_run_is_404(client, name):
    response = client.get(f"/api/runs/no-such-run/{name}")
    assert response.status_code == 404
    assert "no-such-run" in response.json()["detail"]


@pytest.mark.parametrize(
    ("params", "field"),
    [({"flavor": "tf3"}, "flavor"), ({"steps": 0}, "steps"), ({"steps": 10_001}, "steps")],
)
def test_bad_script_parameters_are_422(client, params, field):
    run_id = create(client)["id"]
    response = client.get(f"/api/runs/{run_id}/script.py", params=params)
    assert response.status_code == 422
    assert response.json()["detail"].startswith(f"{field}: ")
