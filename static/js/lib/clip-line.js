// The part of the line y = b + m·x that a chart's window shows, as two points to draw.
//
// Plotly draws a line through its two end points, and with ends near 1e19 (a run diverging)
// the drawn path loses its precision: the line appeared near-vertical, away from where it
// crosses the points. Clipped to the window (with a margin past its edges, so the line still
// leaves the plot at its true angle), the end points stay within a few spans of the data.

const MARGIN_SPANS = 10; // How far past the window, in window heights, a line may end.

/**
 * {x: [x0, x1], y: [y0, y1]}: the segment of y = b + m·x for x in `xRange` whose y lies within
 * `yRange` widened by MARGIN_SPANS heights either side; {x: [], y: []} when none of it does.
 */
export function clippedLine({ b, m }, xRange, yRange) {
  const span = yRange[1] - yRange[0];
  const low = yRange[0] - MARGIN_SPANS * span;
  const high = yRange[1] + MARGIN_SPANS * span;
  let [x0, x1] = xRange;
  if (m !== 0) {
    // Where the line crosses the widened window's bottom and top.
    const [enter, leave] = [(low - b) / m, (high - b) / m].sort((p, q) => p - q);
    x0 = Math.max(x0, enter);
    x1 = Math.min(x1, leave);
  } else if (b < low || b > high) {
    return { x: [], y: [] };
  }
  if (!(x0 <= x1)) return { x: [], y: [] };
  return { x: [x0, x1], y: [b + m * x0, b + m * x1] };
}
