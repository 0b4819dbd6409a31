// Choosing a new run's initial weights by clicking the loss surface: the click's (b, m).
// Hooked onto the surface chart's `plotly_click` only while a pick is under way.

import { isDrawn, pointedData } from "../charts/plot-coords.js";
import { $ } from "../lib/dom.js";

export class SurfacePicker {
  /** The surface chart `chartId`; `drawChartNow(id)` draws it if it is not drawn yet, and
   * resolves to whether it could. */
  constructor(chartId, drawChartNow) {
    this.chartId = chartId;
    this.drawChartNow = drawChartNow;
    this.chart = $(chartId);
    this.bar = $("surface-pick");
    this.finish = null;
    $("surface-pick-cancel").addEventListener("click", () => this.finish?.(null));
  }

  /** The weights where the click was: exact, not the contour grid point Plotly reports. */
  weightsAt(click) {
    if (click.event && isDrawn(this.chart)) {
      const { x, y } = pointedData(this.chart, click.event);
      return { b: x, m: y };
    }
    const point = click.points[0];
    return { b: point.x, m: point.y };
  }

  /** Resolves to {b, m} where the learner clicks the surface, or to null if they cancel. */
  async pick() {
    this.finish?.(null);
    if (!(await this.drawChartNow(this.chartId))) return null; // Its clicks need it drawn.
    return new Promise((resolve) => {
      const onClick = (click) => this.finish(this.weightsAt(click));
      this.finish = (weights) => {
        this.chart.removeListener("plotly_click", onClick);
        this.chart.classList.remove("picking");
        this.bar.hidden = true;
        this.finish = null;
        resolve(weights);
      };
      this.chart.on("plotly_click", onClick);
      this.chart.classList.add("picking");
      this.bar.hidden = false;
      this.bar.scrollIntoView({ block: "start" });
      $("surface-pick-cancel").focus({ preventScroll: true });
    });
  }
}
