// Number formatting shared by the readouts, the tables and the charts' hover labels.

const PLAIN_RANGE = [1e-4, 1e6]; // Outside it, 5828100000000000 reads better as 5.8281e+15.

/** Five significant digits, without trailing zeros; "–" for a value that overflowed (null). */
export function formatNumber(value) {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  const size = Math.abs(value);
  if (size !== 0 && (size < PLAIN_RANGE[0] || size >= PLAIN_RANGE[1])) {
    return value.toExponential(4).replace(/\.?0+e/, "e");
  }
  return String(Number(value.toPrecision(5)));
}

/** A count as the run-length menu writes it: 5000 as 5,000, whatever the page's language. */
export const formatCount = (n) => n.toLocaleString("en-US");

/**
 * A float32 as its shortest decimal that reads back as the same float32: the rate a session
 * computed (0.004999999888241291 in float64) is written 0.005, which is what it holds.
 */
export function float32Text(value) {
  const held = Math.fround(value);
  for (let digits = 1; digits < 10; digits += 1) {
    const text = String(Number(held.toPrecision(digits)));
    if (Math.fround(Number(text)) === held) return text;
  }
  return String(held);
}
