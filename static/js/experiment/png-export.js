// A "PNG" button under each chart: Plotly draws the chart as an image and the browser saves it
// as stepwise-<run id>-<chart>.png.

import { $ } from "../lib/dom.js";
import { t } from "../lib/i18n.js";

const CHARTS = { "fit-chart": "fit", "loss-chart": "loss", "slope-chart": "slope", "surface-chart": "surface" };

export function installPngButtons(runId) {
  for (const [chartId, name] of Object.entries(CHARTS)) {
    const chart = $(chartId);
    const caption = chart.closest("figure").querySelector("figcaption").textContent.trim();
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button small png-button";
    button.textContent = t("export.png");
    button.setAttribute("aria-label", t("export.png_label", { chart: caption }));
    button.dataset.chart = name;
    button.addEventListener("click", () =>
      window.Plotly.downloadImage(chart, { format: "png", filename: `stepwise-${runId}-${name}` }),
    );
    // Beside the chart's own tools where it has them (the fit plot), else in a row of its own.
    let tools = chart.nextElementSibling;
    if (!tools || !tools.classList.contains("chart-tools")) {
      tools = document.createElement("div");
      tools.className = "chart-tools";
      chart.after(tools);
    }
    tools.append(button);
  }
}
