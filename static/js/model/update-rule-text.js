// An update rule's line as the step panel writes it, `b ← 0.0512 − 0.002 × (-3.2017) = 0.0576`:
// text pieces, each number a {part, text} the panel puts in a span named for tests and
// screen readers.

import { formatNumber } from "../lib/format.js";

const piece = (part, text) => ({ part, text });

/** One term of a formula: text, the learning rate as typed, or a number (negative ones in
 * parentheses after an operator; "?" for one TensorFlow has not computed yet). */
function termPieces(item, index) {
  if (typeof item === "string") return [item];
  if ("text" in item) return [piece(item.part, item.text)];
  if (item.number === undefined) return [piece(item.part, "?")];
  const shown = piece(item.part, formatNumber(item.number));
  return index > 0 && item.number !== null && item.number < 0 ? ["(", shown, ")"] : [shown];
}

/**
 * The pieces of `line` (from ruleLines or sharedLines): its formula's `terms`, and its `result`,
 * or null while the step is not applied and TensorFlow has not computed it.
 */
export function linePieces(line) {
  const { number, part } = line.result;
  return {
    terms: line.terms.flatMap(termPieces),
    result: number === undefined ? null : piece(part, formatNumber(number)),
  };
}
