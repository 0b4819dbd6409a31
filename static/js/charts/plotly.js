// Plotly as every chart here uses it: fetched once a page first needs a chart, the page's
// language in its toolbar, the layout the charts share, and drawing. Plotly.react with a fixed
// uirevision keeps a learner's zoom while new steps arrive.

import { $ } from "../lib/dom.js";
import { t } from "../lib/i18n.js";

// Plotly's own toolbar texts, as the page's messages: Plotly looks them up by their English.
const PLOTLY_MESSAGES = {
  Zoom: "plotly.zoom",
  Pan: "plotly.pan",
  "Zoom in": "plotly.zoom_in",
  "Zoom out": "plotly.zoom_out",
  Autoscale: "plotly.autoscale",
  "Reset axes": "plotly.reset_axes",
  "Download plot as a PNG": "plotly.download",
  "Toggle Spike Lines": "plotly.spikes",
  "Show closest data on hover": "plotly.hover_closest",
  "Compare data on hover": "plotly.hover_compare",
  "Double-click to zoom back out": "plotly.zoom_back",
};
const PLOTLY_LOCALE = "stepwise";

const PLOT_CONFIG = {
  responsive: true,
  displaylogo: false,
  // Sharing uploads the chart to Plotly's cloud: nothing leaves a classroom's server.
  modeBarButtonsToRemove: ["lasso2d", "select2d", "sendChartToCloud"],
  locale: PLOTLY_LOCALE,
};

const NARROW_CHART_PX = 480; // Below this, one legend entry a row keeps names whole.

/** Longer curves than this are drawn as a line alone, without a marker at each point. */
export const MARKERS_UP_TO = 200;

/** The mode of a curve through `count` points. */
export const curveMode = (count) => (count > MARKERS_UP_TO ? "lines" : "lines+markers");

/** Teach Plotly the page's messages (after useMessages), before the first chart is drawn. */
function registerPlotlyLocale() {
  window.Plotly.register({
    moduleType: "locale",
    name: PLOTLY_LOCALE,
    dictionary: Object.fromEntries(Object.entries(PLOTLY_MESSAGES).map(([english, key]) => [english, t(key)])),
  });
}

let loading = null;

/**
 * Plotly.js, fetched once from the address in the page's `<meta name="plotly-src">` (the app's
 * own copy, app/api/vendor_assets.py) and taught the page's messages (call after useMessages).
 * Not a script in the page's head: it is most of what a page weighs, and starting it is a long
 * task, so a page fetches it when its first chart is wanted, after the first paint.
 * Rejects, with the reason, when it cannot be loaded; the next call tries again.
 */
export function loadPlotly() {
  loading ??= new Promise((resolve, reject) => {
    const src = document.querySelector('meta[name="plotly-src"]')?.content;
    if (!src) {
      reject(new Error('The page names no charting library (<meta name="plotly-src">).'));
      return;
    }
    const script = Object.assign(document.createElement("script"), { src });
    script.addEventListener("load", () => {
      registerPlotlyLocale();
      resolve(window.Plotly);
    });
    script.addEventListener("error", () => {
      script.remove();
      // Also what a page left open across an upgrade meets: its files' addresses are gone.
      reject(new Error(t("chart.plotly_missing")));
    });
    document.head.append(script);
  });
  loading.catch(() => {
    loading = null;
  });
  return loading;
}

export function baseLayout(xTitle, yTitle, revision) {
  return {
    uirevision: revision,
    margin: { l: 56, r: 16, t: 12, b: 48 },
    font: { family: "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans CJK SC', sans-serif", size: 14, color: "#1d2733" },
    paper_bgcolor: "rgba(0,0,0,0)",
    plot_bgcolor: "#ffffff",
    xaxis: { title: { text: xTitle }, zeroline: false, gridcolor: "#e3e8ee", automargin: true },
    yaxis: {
      title: { text: yTitle },
      zeroline: false,
      gridcolor: "#e3e8ee",
      automargin: true,
      exponentformat: "e",
    },
    // Two legend entries a row: the panels are narrow, and a column of entries squeezes the plot.
    legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom", font: { size: 12 }, entrywidth: 0.5, entrywidthmode: "fraction", itemsizing: "constant" },
    hovermode: "closest",
  };
}

/** A note in the middle of an empty chart. */
export function centredNote(text) {
  return { text, xref: "paper", yref: "paper", x: 0.5, y: 0.5, showarrow: false, font: { size: 15, color: "#5a6676" } };
}

/** Plotly.react, with the legend laid out for the chart's width. */
export function drawChart(elementId, data, layout) {
  if ($(elementId).clientWidth < NARROW_CHART_PX) {
    // Under the plot, where the toolbar does not cover it, each entry as wide as its name:
    // they wrap to as many rows as they need (entries as wide as the plot area cut the
    // surface's longer names where its colour bar narrows the area).
    Object.assign(layout.legend, { entrywidth: 0, entrywidthmode: "pixels", y: -0.3, yanchor: "top" });
  }
  window.Plotly.react(elementId, data, layout, PLOT_CONFIG);
}
