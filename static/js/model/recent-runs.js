// The runs this browser has opened, newest first, kept in localStorage for the compare page.
// Storage may be missing (private windows, blocked cookies) or hold anything: every read and
// write tolerates that, and the page works the same without the list.

const STORAGE_KEY = "stepwise.recentRuns";
export const MAX_RECENT_RUNS = 30;

function storage() {
  try {
    return globalThis.localStorage; // The window's; a stand-in in the Node tests.
  } catch {
    return null; // Reading localStorage itself throws where storage is blocked.
  }
}

const isEntry = (entry) =>
  entry !== null && typeof entry === "object" && typeof entry.id === "string" && entry.id !== "";

/**
 * The remembered runs, newest first: {id, created_at, learning_rate, optimizer, loss, num_points}.
 * An empty list when nothing is stored, storage is unavailable, or what is stored is not a list.
 */
export function recentRuns() {
  try {
    const stored = JSON.parse(storage()?.getItem(STORAGE_KEY) ?? "[]");
    return Array.isArray(stored) ? stored.filter(isEntry).slice(0, MAX_RECENT_RUNS) : [];
  } catch {
    return [];
  }
}

/** Put `run` (as GET /api/runs/{id} returns it) first in the list, once; keep the newest 30. */
export function rememberRun(run) {
  const config = run.config;
  const entry = {
    id: run.id,
    created_at: run.created_at,
    learning_rate: config.learning_rate,
    optimizer: config.optimizer,
    loss: config.loss,
    num_points: config.num_points,
  };
  const runs = [entry, ...recentRuns().filter((other) => other.id !== run.id)].slice(0, MAX_RECENT_RUNS);
  try {
    storage()?.setItem(STORAGE_KEY, JSON.stringify(runs));
  } catch {
    // Full or forbidden storage: the run is simply not remembered.
  }
}
