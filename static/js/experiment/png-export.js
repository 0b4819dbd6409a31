// The charts as PNG images, in the run page's Download menu: Plotly draws a chart as an image
// and the browser saves it as stepwise-<run id>-<chart>.png.

import { $, element } from "../lib/dom.js";
import { t } from "../lib/i18n.js";

const CHARTS = { "fit-chart": "fit", "loss-chart": "loss", "slope-chart": "slope", "surface-chart": "surface" };

/**
 * A button for each chart, named by its caption, in the menu's list `#export-png`.
 * `drawChartNow(id)` draws a chart not drawn yet (it has not come near the screen) and
 * resolves to whether it could.
 */
export function installPngButtons(runId, drawChartNow) {
  const items = Object.entries(CHARTS).map(([chartId, name]) => {
    const chart = $(chartId);
    const caption = chart.closest("figure").querySelector("figcaption").textContent.trim();
    const button = element(
      "button",
      { type: "button", class: "menu-item png-button", "data-chart": name },
      t("export.png_item", { chart: caption }),
    );
    button.addEventListener("click", async () => {
      if (!(await drawChartNow(chartId))) return;
      await window.Plotly.downloadImage(chart, { format: "png", filename: `stepwise-${runId}-${name}` });
    });
    return element("li", {}, button);
  });
  $("export-png").replaceChildren(...items);
}
