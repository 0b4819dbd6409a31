// Owner tokens, one per run, kept in this browser: the browser that created a run sends its
// token with every change; any other browser views the run. Storage may be blocked (private
// windows, strict settings): the tokens then last as long as the page, in `kept` below. That
// map is storage like localStorage, shared by every request the page makes, not page state.

const KEY = "stepwise.ownerTokens";
const MAX_TOKENS = 500; // A few dozen bytes each; the oldest are forgotten first.
const kept = new Map(); // This page's own tokens, whatever the storage allows.

function stored() {
  try {
    const tokens = JSON.parse(localStorage.getItem(KEY) || "{}");
    return tokens && typeof tokens === "object" ? tokens : {};
  } catch {
    return {};
  }
}

/** The token of `runId` this browser holds, or null. */
export function ownerToken(runId) {
  return kept.get(runId) ?? stored()[runId] ?? null;
}

export function rememberOwnerToken(runId, token) {
  kept.set(runId, token);
  const tokens = stored();
  delete tokens[runId]; // Re-added last: the order is the order of use.
  tokens[runId] = token;
  const ids = Object.keys(tokens);
  for (const id of ids.slice(0, Math.max(0, ids.length - MAX_TOKENS))) delete tokens[id];
  try {
    localStorage.setItem(KEY, JSON.stringify(tokens));
  } catch {
    // Blocked or full: the page keeps the token in memory.
  }
}

/**
 * `#owner=…`, as `GET /` and assignment links hand a new run's token to its page: keep it and
 * take it out of the address, so the link the learner copies or bookmarks is view-only.
 * (A fragment never reaches the server or its logs.)
 */
export function adoptOwnerFragment(runId) {
  const fragment = new URLSearchParams(window.location.hash.slice(1));
  const token = fragment.get("owner");
  if (!token) return;
  rememberOwnerToken(runId, token);
  fragment.delete("owner");
  const rest = fragment.toString();
  const { pathname, search } = window.location;
  history.replaceState(history.state, "", `${pathname}${search}${rest ? `#${rest}` : ""}`);
}

/** Whether this browser may change `run`: it holds its token, or the run has no owner. */
export function mayChange(run) {
  return !run.owned || ownerToken(run.id) !== null;
}
