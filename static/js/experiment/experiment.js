// Experimenting from a run: a new run with other settings or the learner's own points, a fork
// at the step shown, the mini-batch on the fit plot, and the charts as PNG. The run page makes
// one Experiment, renders it with the text panels and starts it before the first paint.

import { forkRun } from "../api/client.js";
import { $ } from "../lib/dom.js";
import { keepEmbedding } from "../lib/embedding.js";
import { t } from "../lib/i18n.js";
import { batchTraces } from "./batch-layer.js";
import { DataEditor } from "./data-editor.js";
import { installPngButtons } from "./png-export.js";
import { SettingsForm } from "./settings-form.js";
import { SurfacePicker } from "./surface-picker.js";

export class Experiment {
  /**
   * The run in `state`, its step details, and the page's state (whose fit plot layers this adds
   * to). `reportError(error)` shows a refused request's message, as the page does for its own;
   * `drawChartNow(id)` draws a chart that has not come near the screen yet.
   */
  constructor(state, details, page, { reportError, drawChartNow }) {
    this.state = state;
    this.reportError = reportError;
    this.drawChartNow = drawChartNow;
    const picker = new SurfacePicker("surface-chart", drawChartNow);
    // The editor and the form use each other: the form sends the edited points (and offers
    // them first once there are edits), and the editor's "new run" takes the form's settings.
    this.editor = new DataEditor(state, {
      onChange: () => {
        if (this.editor.editedCount > 0) this.settings.choose("source", "plot");
        else this.settings.showSections();
      },
      onCreate: (points) => this.settings.start({ points }),
      drawFit: () => drawChartNow("fit-chart"),
    });
    this.settings = new SettingsForm(state.run, {
      pointsOnPlot: () => this.editor.pointsForRun(),
      pickWeights: () => picker.pick(),
    });
    page.fitLayers.push(batchTraces, () => this.editor.traces());
    this.forkButton = $("fork-button");
  }

  /** Before the first paint: the controls. */
  start() {
    $("new-run-button").addEventListener("click", () => this.settings.open());
    $("edit-csv").addEventListener("click", () => this.settings.open("csv"));
    if (this.state.run.config.locks.includes("data")) {
      // The assignment's teacher chose the points: there is nothing to edit them for.
      for (const id of ["edit-points", "edit-csv"]) {
        $(id).disabled = true;
        $(id).title = t("lock.edit_locked");
      }
    }
    this.forkButton.addEventListener("click", () => this.fork());
    installPngButtons(this.state.run.id, this.drawChartNow);
  }

  /** With the readouts: what depends on the step shown. */
  render() {
    const label = t("fork.button", { step: this.state.position });
    if (this.forkButton.textContent !== label) this.forkButton.textContent = label;
  }

  /** Continue from the step shown as a new run (the server copies its full state). */
  async fork() {
    this.forkButton.disabled = true;
    try {
      const run = await forkRun(this.state.run.id, this.state.position);
      window.location.assign(keepEmbedding(run.url));
    } catch (error) {
      this.reportError(error);
      this.forkButton.disabled = false;
    }
  }
}
