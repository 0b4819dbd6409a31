// Pixels ↔ data coordinates on a drawn Plotly chart. Plotly has no public API for this; its
// axis objects (`_fullLayout.xaxis`) convert within the plot area, whose offset in the chart
// is `_fullLayout._size` (l, t: left and top margins; w, h: the area's size).

/** Whether Plotly has drawn `chart`, so that its axes can convert coordinates. */
export const isDrawn = (chart) => Boolean(chart._fullLayout && chart._fullLayout.xaxis && chart._fullLayout._size);

/**
 * Where a mouse or pointer event lies on `chart`: `px`, `py` in pixels from the plot area's
 * top-left corner (kept inside the area when `clamp`), the data coordinates `x`, `y` there,
 * and whether the event was inside the plot area at all.
 */
export function eventToData(chart, event, { clamp = false } = {}) {
  const { xaxis, yaxis, _size: size } = chart._fullLayout;
  const rect = chart.getBoundingClientRect();
  let px = event.clientX - rect.left - size.l;
  let py = event.clientY - rect.top - size.t;
  const inside = px >= 0 && px <= size.w && py >= 0 && py <= size.h;
  if (clamp) {
    px = Math.min(Math.max(px, 0), size.w);
    py = Math.min(Math.max(py, 0), size.h);
  }
  return { inside, px, py, x: xaxis.p2d(px), y: yaxis.p2d(py) };
}

/** The pixel position of the data point (x, y) from the plot area's top-left corner. */
export function dataToPixel(chart, x, y) {
  const { xaxis, yaxis } = chart._fullLayout;
  return { px: xaxis.d2p(x), py: yaxis.d2p(y) };
}

/** `value` rounded to a thousandth of `span` (to one significant digit of that). */
function roundToSpan(value, span) {
  const decimals = Math.max(0, Math.ceil(-Math.log10(Math.abs(span) / 1000)));
  return Number(value.toFixed(Math.min(decimals, 12)));
}

/**
 * The data point a click or drag means: inside the plot area, rounded to a thousandth of the
 * visible range — a pointer cannot be more precise, and the numbers stay readable.
 */
export function pointedData(chart, event) {
  const { xaxis, yaxis } = chart._fullLayout;
  const { x, y } = eventToData(chart, event, { clamp: true });
  return { x: roundToSpan(x, xaxis.range[1] - xaxis.range[0]), y: roundToSpan(y, yaxis.range[1] - yaxis.range[0]) };
}
