// Calls to the Stepwise JSON API. Every error becomes an ApiError that says what the server said,
// in the page's language when the server gave the error's code.
// Changes to a run carry the owner token this browser keeps for it; a run created here has
// its token kept before anyone navigates to it.

import { readEvents } from "../lib/event-stream.js";
import { hasMessage, t } from "../lib/i18n.js";
import { ownerToken, rememberOwnerToken } from "./owner-tokens.js";

/** The message of an error the server answered with: `error.<code>` in the page's language,
 * filled from `params`; the server's English `detail` for a code the catalogue lacks. */
export function errorMessage(detail, code, params = {}) {
  return code && hasMessage(`error.${code}`) ? t(`error.${code}`, params) : detail;
}

export class ApiError extends Error {
  /** `detail` is the server's English text, `code` and `params` what it is said from. */
  constructor(status, detail, code = null, params = {}) {
    super(errorMessage(detail, code, params));
    this.status = status;
    this.code = code;
  }
}

async function errorOf(response) {
  const payload = await response.json().catch(() => ({}));
  const detail = payload.detail || `${response.status} ${response.statusText}`;
  return new ApiError(response.status, detail, payload.code, payload.params);
}

async function request(method, path, body, headers = {}) {
  const options = { method, headers: { Accept: "application/json", ...headers } };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, options);
  } catch {
    throw new ApiError(0, t("status.unreachable"));
  }
  if (!response.ok) throw await errorOf(response);
  return response.json().catch(() => ({}));
}

const runPath = (runId) => `/api/runs/${encodeURIComponent(runId)}`;

/** The header that lets this browser change the run, if it holds the run's token. */
function ownerHeaders(runId) {
  const token = ownerToken(runId);
  return token ? { "X-Owner-Token": token } : {};
}

/** A run just created or forked: its token is in this answer only, so keep it at once. */
async function owned(created) {
  const run = await created;
  rememberOwnerToken(run.id, run.owner_token);
  return run;
}

// A run made from another (`based_on`, or a fork) is sent that run's token if this browser holds
// it: the new run then keeps the student's display name for the teacher's page.
export const createRun = (spec) =>
  owned(request("POST", "/api/runs", spec, spec?.based_on ? ownerHeaders(spec.based_on) : {}));
export const getRun = (runId) => request("GET", runPath(runId));
/** Up to `limit` stored steps after step `after`, in order. */
export const getHistoryPage = (runId, after, limit) =>
  request("GET", `${runPath(runId)}/history?${new URLSearchParams({ after, limit })}`);
/** A new run continuing from the full state after `step` of `runId`; anyone may fork. */
export const forkRun = (runId, step) => owned(request("POST", `${runPath(runId)}/fork`, { step }, ownerHeaders(runId)));
/** A new assignment (the teacher's, on /class): its `link` for students and its `live` view. */
export const createAssignment = (assignment) => request("POST", "/class/assignments", assignment);
/** The teacher's live view of an assignment: every run, with the curves changed since `since`. */
export const getAssignmentSummary = (assignmentId, since) =>
  request(
    "GET",
    `/class/assignments/${encodeURIComponent(assignmentId)}/summary${since ? `?${new URLSearchParams({ since })}` : ""}`,
  );
/** Name the run for the teacher's page (`null` or "" takes the name away); the owner only. */
export const setDisplayName = (runId, name) =>
  request("PUT", `${runPath(runId)}/display-name`, { display_name: name }, ownerHeaders(runId));
export const stepRun = (runId, n) => request("POST", `${runPath(runId)}/step`, { n }, ownerHeaders(runId));
export const resetRun = (runId) => request("POST", `${runPath(runId)}/reset`, undefined, ownerHeaders(runId));
/** Stop the run's stream `stream` (every stream of the run without it), even one not open yet. */
export const stopStreams = (runId, stream) => request("POST", `${runPath(runId)}/stop`, { stream }, ownerHeaders(runId));
/** Tell stream `stream` that the page shows `step`: a stream that waits for its page goes on. */
export const tellShown = (runId, stream, step) =>
  request("POST", `${runPath(runId)}/streams/${encodeURIComponent(stream)}/shown`, { step }, ownerHeaders(runId));
export const evaluateRun = (runId) => request("GET", `${runPath(runId)}/evaluate`);
export const getStepDetail = (runId, step) => request("GET", `${runPath(runId)}/steps/${step}`);
export const getLearningRates = (runId, first, count) =>
  request("GET", `${runPath(runId)}/learning-rates?${new URLSearchParams({ first, count })}`);
export const getGraph = (runId) => request("GET", `${runPath(runId)}/graph`);
export const getNodeValue = (runId, node) =>
  request("GET", `${runPath(runId)}/graph/value?${new URLSearchParams({ node })}`);
export const getSurface = (runId, bounds, size) =>
  request(
    "GET",
    `${runPath(runId)}/surface?${new URLSearchParams({
      b_min: bounds.b[0],
      b_max: bounds.b[1],
      m_min: bounds.m[0],
      m_max: bounds.m[1],
      size,
    })}`,
  );

/** A new stream's id, by which the page stops it and tells it what it shows (hex, 24 chars). */
export function newStreamId() {
  return Array.from(crypto.getRandomValues(new Uint8Array(12)), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * Stream `n` steps as server-sent events. Returns a function that closes the stream (the
 * server stops computing once it notices; stopStreams stops it at once). A refused stream
 * (403, 404, 409, 422) reports the server's reason; a broken one is finished, never reconnected.
 * The stream is named `stream`; with `waitForPage`, each paced step waits for tellShown.
 */
export function streamRun(runId, n, intervalMs, { onStep, onEnd, onError }, { stream, waitForPage = false } = {}) {
  const params = new URLSearchParams({ n: String(n), interval_ms: String(intervalMs) });
  if (stream) params.set("stream", stream);
  if (waitForPage) params.set("wait_for_page", "true");
  const controller = new AbortController();
  let open = true;
  const close = () => {
    open = false;
    controller.abort();
  };
  const fail = (error) => {
    if (!open) return; // Stopped, or ended: nothing went wrong.
    close();
    onError(error);
  };
  (async () => {
    let response;
    try {
      response = await fetch(`${runPath(runId)}/stream?${params}`, {
        headers: { Accept: "text/event-stream", ...ownerHeaders(runId) },
        cache: "no-store",
        signal: controller.signal,
      });
    } catch {
      fail(new ApiError(0, t("status.unreachable")));
      return;
    }
    if (!response.ok) {
      fail(await errorOf(response));
      return;
    }
    const events = readEvents(response.body);
    while (open) {
      let next;
      try {
        next = await events.next();
      } catch {
        break; // Aborted by close(), or the connection broke.
      }
      if (next.done || !open) break;
      const { event, data } = next.value;
      if (event === "step") onStep(JSON.parse(data));
      else if (event === "end") {
        close();
        onEnd(JSON.parse(data));
      }
    }
    fail(new ApiError(0, t("status.stream_stopped")));
  })();
  return close;
}
