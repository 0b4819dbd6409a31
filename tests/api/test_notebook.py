"""The notebook that reproduces a run: its cells, and, executed headless in a Python kernel as
Jupyter would, the run's own numbers printed by each listing and the sample's panels drawn."""

import json

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient

from app.i18n import messages
from tests.api.test_exports import attachment_name, history_trajectory
from tests.api.test_runs import create, step
from tests.scripts import ATOL, SCRIPT_TIMEOUT_SECONDS, rtol_of

LISTINGS = ("tf2", "keras", "compat_v1")  # The order of the code cells that print steps.
MARKERS = {  # A line each listing alone has.
    "tf2": "with tf.GradientTape() as tape:",
    "keras": "tf.keras.layers.Dense(1)",
    "compat_v1": "tf.compat.v1.disable_eager_execution()",
}


def notebook_of(client, run_id: str, **params) -> nbformat.NotebookNode:
    response = client.get(f"/api/runs/{run_id}/notebook.ipynb", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/x-ipynb+json"
    assert attachment_name(response) == f"stepwise-{run_id}.ipynb"
    notebook = nbformat.reads(response.text, as_version=4)
    nbformat.validate(notebook)  # What JupyterLab and Colab open.
    return notebook


def code_cells(notebook) -> list:
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def test_the_notebook_holds_the_three_listings_then_the_panels(client):
    run = create(client, optimizer={"name": "momentum"}, batch_size=2)
    step(client, run["id"], 4)
    notebook = notebook_of(client, run["id"])
    assert notebook.metadata.kernelspec.name == "python3"
    assert notebook.cells[0].cell_type == "markdown"
    assert f"/runs/{run['id']}" in notebook.cells[0].source
    cells = code_cells(notebook)
    assert len(cells) == 4
    for cell, listing in zip(cells, LISTINGS, strict=False):
        assert MARKERS[listing] in cell.source
        assert "range(4)" in cell.source or "epochs=1" in cell.source  # The run's 4 steps.
    assert "plt.subplots(1, 3" in cells[3].source
    for title in ("Final Data Fit", "Loss over Time", "Slope over Time"):
        assert title in cells[3].source
    assert "range(9)" in code_cells(notebook_of(client, run["id"], steps=9))[0].source


def test_a_run_keras_cannot_reproduce_says_why_in_the_notebook(client):
    run = create(client, optimizer={"name": "rmsprop"})
    notebook = notebook_of(client, run["id"])
    assert not any(MARKERS["keras"] in cell.source for cell in code_cells(notebook))
    reasons = [
        cell for cell in notebook.cells if cell.source == messages("en")["code.keras_rmsprop"]
    ]
    assert len(reasons) == 1 and reasons[0].cell_type == "markdown"
    assert len(code_cells(notebook)) == 3


def test_the_notebook_of_no_run_is_404_and_bad_steps_422(client):
    assert client.get("/api/runs/no-such-run/notebook.ipynb").status_code == 404
    run_id = create(client)["id"]
    response = client.get(f"/api/runs/{run_id}/notebook.ipynb", params={"steps": 0})
    assert response.status_code == 422
    assert response.json()["detail"].startswith("steps: ")


def printed_steps(cell) -> np.ndarray:
    text = "".join(output.text for output in cell.outputs if output.output_type == "stream")
    return np.array([[float(v) for v in line.split()] for line in text.splitlines()])


@pytest.mark.slow  # Starts a Python kernel that imports TensorFlow and runs every cell.
def test_the_executed_notebook_prints_the_runs_numbers_and_draws_its_panels(client, tmp_path):
    # The learner's own points, Adam and mini-batches: Keras's loosest tolerance.
    points = [{"x": x, "y": 0.5 * x + 1.0 + (-1) ** i * 0.3} for i, x in enumerate(range(-3, 4))]
    run = create(client, points=points, optimizer={"name": "adam"}, learning_rate=0.1, batch_size=3)
    step(client, run["id"], 12)
    notebook = notebook_of(client, run["id"])
    NotebookClient(
        notebook,
        timeout=SCRIPT_TIMEOUT_SECONDS,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute()
    expected = history_trajectory(client, run["id"])
    assert len(expected) == 12
    cells = code_cells(notebook)
    for cell, listing in zip(cells, LISTINGS, strict=False):
        np.testing.assert_allclose(
            printed_steps(cell), expected, rtol=rtol_of(listing, "adam"), atol=ATOL, err_msg=listing
        )
    images = [output for output in cells[3].outputs if "image/png" in output.get("data", {})]
    assert len(images) == 1  # One figure of the three panels.
    json.dumps(notebook)  # The executed notebook still saves.
