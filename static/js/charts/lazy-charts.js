// The run page's charts, each drawn once it comes near the screen. Plotly.js is fetched when
// the first one does: on a phone, where the toolbar and the lesson fill the first screens, the
// page fetches and starts no charting library until the learner scrolls to a chart.

import { $ } from "../lib/dom.js";
import { whenNearScreen } from "../lib/near-screen.js";
import { loadPlotly } from "./plotly.js";

export class LazyCharts {
  /**
   * The charts `ids` (element ids). `onDrawable(id)` is called once for each, when it may be
   * drawn: it came near the screen (or was asked for) and Plotly is loaded. `onError(error)`
   * reports a Plotly that could not be loaded.
   */
  constructor(ids, { onDrawable, onError }) {
    this.onDrawable = onDrawable;
    this.drawable = new Set();
    this.cancels = new Map(ids.map((id) => [id, whenNearScreen($(id), () => this.reveal(id).catch(onError))]));
  }

  /** Whether the chart `id` may be drawn now. */
  ready(id) {
    return this.drawable.has(id);
  }

  /** Make the chart `id` drawable wherever it is (its PNG was asked for, a pick starts on it). */
  async reveal(id) {
    this.cancels.get(id)?.();
    await loadPlotly();
    if (this.drawable.has(id)) return;
    this.drawable.add(id);
    this.onDrawable(id);
  }
}
