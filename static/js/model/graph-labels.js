// Short labels for the graph's nodes: long TensorFlow names cut in the middle, so the scope they
// start with and the op's own name they end with both stay in view, and never two the same.
// (Cut from the left, `gradients/yhat_grad/tuple/group_deps` and its `yerror_grad` twin both
// read `…_grad/tuple/group_deps`.)

/** How many characters a label aims at; a long last part of the name makes it longer. */
export const LABEL_CHARS = 24;

const ELLIPSIS = "…";
// A name at most this much longer than the budget is shown whole: cutting it saves too little.
const SLACK = 3;
// The start kept at least, and a few characters more than the budget keep a whole outer scope
// (`weights/…`, not `weig…`).
const MIN_HEAD = 4;
const SCOPE_SLACK = 4;

/**
 * `name` in about `max` characters: its start, "…", and its end, which always holds the whole
 * last part of the name (after the last "/"; a group's path ends with "/"), and the parts
 * before it that fit in half of `max`. A name with no "/" is all last part and is never cut.
 */
export function middleCut(name, max = LABEL_CHARS) {
  if (name.length <= max + SLACK) return name;
  const end = name.endsWith("/") ? name.length - 1 : name.length;
  let start = name.lastIndexOf("/", end - 1); // The tail starts at a "/", never inside a part.
  if (start <= 0) return name;
  for (let before = name.lastIndexOf("/", start - 1); before > 0; before = name.lastIndexOf("/", before - 1)) {
    if (name.length - before > (max - ELLIPSIS.length) / 2) break;
    start = before;
  }
  const tail = name.length - start;
  let head = Math.max(max - ELLIPSIS.length - tail, MIN_HEAD);
  const scope = name.indexOf("/") + 1;
  if (scope <= head + SCOPE_SLACK) head = Math.max(head, scope);
  if (head + ELLIPSIS.length + tail >= name.length) return name;
  return `${name.slice(0, head)}${ELLIPSIS}${name.slice(start)}`;
}

/**
 * A label for each of `names` (distinct), cut by middleCut, where no two labels are the same:
 * names whose labels collide get longer ones, until they differ. The names themselves are
 * distinct and contain no "…", so at worst each is shown whole.
 * @param {string[]} names
 * @returns {Map<string, string>}
 */
export function uniqueLabels(names, max = LABEL_CHARS) {
  const budget = new Map(names.map((name) => [name, max]));
  const labels = new Map(names.map((name) => [name, middleCut(name, max)]));
  for (;;) {
    const byLabel = new Map();
    for (const [name, label] of labels) byLabel.set(label, [...(byLabel.get(label) ?? []), name]);
    const clashing = [...byLabel.values()].filter((group) => group.length > 1).flat();
    if (!clashing.length) return labels;
    for (const name of clashing) {
      budget.set(name, budget.get(name) + 2);
      labels.set(name, middleCut(name, budget.get(name)));
    }
  }
}
