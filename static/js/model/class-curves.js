// The teacher's live view of an assignment, as plain data: each answer of
// /class/assignments/{id}/summary merged with the curves kept from earlier ones (an answer sends
// a run's curve only when it changed), a curve's points, and what each run's row says.

/** The answer's runs, each with its curve: the answer's own, or the one kept from before.
 * Returns the runs and the curves to keep for the next answer (runs no longer listed dropped). */
export function mergeSummary(kept, summary) {
  const curves = new Map();
  const runs = summary.runs.map((run) => {
    const curve = run.curve ?? kept.get(run.id) ?? null;
    if (curve) curves.set(run.id, curve);
    return { ...run, curve };
  });
  return { runs, curves };
}

/**
 * The loss by step of `run`: after steps 1, 1 + stride, … as the curve has them, and its last
 * step (which the grid may not reach). Overflowed losses are null, a gap in the line.
 */
export function curvePoints(run) {
  const x = [];
  const y = [];
  const { stride = 1, losses = [] } = run.curve ?? {};
  losses.forEach((loss, index) => {
    x.push(1 + index * stride);
    y.push(loss);
  });
  if (run.steps > 0 && x[x.length - 1] !== run.steps) {
    x.push(run.steps);
    y.push(run.latest_loss);
  }
  return { x, y };
}

/** The students' runs, and the teacher's own, apart. */
export function splitRuns(runs) {
  return { students: runs.filter((run) => !run.teacher), teacher: runs.filter((run) => run.teacher) };
}

/** A colour of `count` for the run `id`, the same at every refresh whatever runs come and go. */
export function colourSlot(id, count) {
  let hash = 0;
  for (const character of id) hash = (hash * 31 + character.codePointAt(0)) >>> 0;
  return hash % count;
}

/** How a run is called: its student's name, or the start of its id. */
export const runLabel = (run) => run.name || `${run.id.slice(0, 8)}…`;

/** Whole seconds from `earlier` to `later` (ISO times), never negative. */
export function secondsBetween(earlier, later) {
  return Math.max(0, Math.round((Date.parse(later) - Date.parse(earlier)) / 1000));
}

/** `[key, params]` of "how long ago": seconds under a minute, minutes under an hour, then hours. */
export function agoMessage(seconds) {
  if (seconds < 60) return ["live.ago_seconds", { n: seconds }];
  if (seconds < 3600) return ["live.ago_minutes", { n: Math.floor(seconds / 60) }];
  return ["live.ago_hours", { n: Math.floor(seconds / 3600) }];
}

/** What changes the chart: which runs there are, and where each one's curve stands. */
export const chartSignature = (runs) =>
  runs.map((run) => `${run.id}:${run.steps}:${run.latest_loss}:${run.curve?.losses.length ?? 0}`).join("|");
