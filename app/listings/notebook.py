"""A Jupyter notebook that reproduces a run: the three listings as cells, then the sample's
three panels drawn with matplotlib, as the sample program drew them.

Every listing cell prints the run's numbers (step, loss, b, m) and is whole by itself. The
compat.v1 cell comes last among them, as it turns eager execution off for the whole kernel,
which TF2 and Keras need on; the panels draw what it computed (`losses`, `history`).
"""

import nbformat
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from app.i18n import messages
from app.listings.compat_v1 import compat_v1_listing
from app.listings.keras import keras_listing, keras_unavailable
from app.listings.source import ListingSource, as_text
from app.listings.tf2 import tf2_listing

# The sample's three panels: Final Data Fit, Loss over Time and Slope over Time, each step's
# line drawn faintly, the later ones darker.
_PANELS = """import matplotlib.pyplot as plt

b, m = history[-1][0][0], history[-1][1][0]  # The weights after the last step.
answer_m, answer_b = np.polyfit(x, y, 1)  # The closed-form answer, for comparison.
ends = np.array([x.min(), x.max()])

figure, (fit, loss_panel, slopes) = plt.subplots(1, 3, figsize=(15, 4))
fit.set_title("Final Data Fit")
fit.plot(x, y, "o", label="points")
fit.plot(x, b + m * x, "r.", label="predictions (yhat)")
fit.plot(ends, b + m * ends, "g", label="learned line")
fit.plot(ends, answer_b + answer_m * ends, "k", alpha=0.2, label="np.polyfit")
fit.legend()
loss_panel.set_title("Loss over Time")
loss_panel.plot(range(1, len(losses) + 1), losses)
loss_panel.set_xlabel("step")
slopes.set_title("Slope over Time")
slopes.plot(x, y, "o")
for b_k, m_k, step in history:
    slopes.plot(ends, b_k[0] + m_k[0] * ends, "g", alpha=(step + 1) / len(history) * 0.8)
plt.show()
"""

# Colab and JupyterLab both read these: a Python 3 kernel, whatever its minor version.
_METADATA = {
    "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
    "language_info": {"name": "python"},
}


def run_notebook(source: ListingSource, steps: int, title: str, about: list[str]) -> str:
    """The notebook as JSON text (nbformat 4): `title` and the `about` lines (what run it
    reproduces, from where) open it; each listing prints `steps` steps."""
    intro = [
        f"# {title}",
        "",
        *about,
        "",
        "Each code cell below rebuilds the run in TensorFlow and prints, for every step, the "
        "step, the loss, b and m: the numbers of the run's history. Run them in order "
        "(Run all); the last draws the sample's three panels.",
    ]
    keras_missing = keras_unavailable(source.spec)
    cells = [
        new_markdown_cell("\n".join(intro)),
        new_markdown_cell("## TF2: eager, with GradientTape"),
        new_code_cell(_cell_text(as_text(tf2_listing(source, steps)))),
        new_markdown_cell(
            "## Keras: a Dense(1) model trained by fit\n\n"
            "Its kernel is m and its bias b; Keras adds in other orders than TF1's kernels, "
            "so it prints the run's numbers up to float32's last digits."
        ),
        (
            new_markdown_cell(messages("en")[keras_missing])
            if keras_missing
            else new_code_cell(_cell_text(as_text(keras_listing(source, steps))))
        ),
        new_markdown_cell(
            "## The sample: tf.compat.v1, a graph and a session\n\n"
            "Last of the three: it turns eager execution off for the whole kernel. "
            "To run the cells above again, restart the kernel first."
        ),
        new_code_cell(_cell_text(as_text(compat_v1_listing(source, steps)))),
        new_markdown_cell("## The sample's three panels"),
        new_code_cell(_cell_text(_PANELS)),
    ]
    notebook: NotebookNode = new_notebook(cells=cells, metadata=_METADATA)
    nbformat.validate(notebook)
    text: str = nbformat.writes(notebook)
    return text


def _cell_text(script: str) -> str:
    return script.rstrip("\n")  # A cell's source ends without a newline, as Jupyter saves it.
