// Calls to the Stepwise JSON API. Every error becomes an ApiError carrying the server's `detail`.

import { t } from "./i18n.js";

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

async function request(method, path, body) {
  const options = { method, headers: { Accept: "application/json" } };
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
  const payload = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new ApiError(response.status, payload.detail || `${response.status} ${response.statusText}`);
  }
  return payload;
}

const runPath = (runId) => `/api/runs/${encodeURIComponent(runId)}`;

export const createRun = (spec) => request("POST", "/api/runs", spec);
export const getRun = (runId) => request("GET", runPath(runId));
/** A new run continuing from the full state after `step` of `runId`. */
export const forkRun = (runId, step) => request("POST", `${runPath(runId)}/fork`, { step });
export const stepRun = (runId, n) => request("POST", `${runPath(runId)}/step`, { n });
export const resetRun = (runId) => request("POST", `${runPath(runId)}/reset`);
export const evaluateRun = (runId) => request("GET", `${runPath(runId)}/evaluate`);
export const getStepDetail = (runId, step) => request("GET", `${runPath(runId)}/steps/${step}`);
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

/**
 * Stream `n` steps as server-sent events. Returns a function that stops the stream;
 * the server stops computing when the connection closes.
 */
export function streamRun(runId, n, intervalMs, { onStep, onEnd, onError }) {
  const params = new URLSearchParams({ n: String(n), interval_ms: String(intervalMs) });
  const source = new EventSource(`${runPath(runId)}/stream?${params}`);
  let open = true;
  const close = () => {
    open = false;
    source.close();
  };
  source.addEventListener("step", (event) => onStep(JSON.parse(event.data)));
  source.addEventListener("end", (event) => {
    close();
    onEnd(JSON.parse(event.data));
  });
  source.addEventListener("error", async () => {
    // EventSource would reconnect and start a new stream; a failed stream is finished instead.
    if (!open) return;
    close();
    // A refused stream (404, 409, 422) says why in JSON; ask again to read the reason.
    try {
      await getRun(runId);
      onError(new ApiError(0, t("status.stream_stopped")));
    } catch (error) {
      onError(error);
    }
  });
  return close;
}
