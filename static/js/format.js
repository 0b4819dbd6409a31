// Number formatting shared by the readouts and the charts' hover labels.

/** Five significant digits, without trailing zeros; "–" for a value that overflowed (null). */
export function formatNumber(value) {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  return String(Number(value.toPrecision(5)));
}
