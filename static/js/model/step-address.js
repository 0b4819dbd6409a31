// `/runs/{id}?step=k` opens the run at step k: which step an address asks for, and the
// addresses and links that point at a step.

const STEP_PARAM = "step";

/**
 * The step `?step=` in `search` asks for: {step, asked, valid}. Anything but a whole number from
 * 0 to `lastStep` is not valid and gives the last step.
 */
export function linkedStep(search, lastStep) {
  const asked = new URLSearchParams(search).get(STEP_PARAM);
  if (asked === null) return { step: lastStep, asked, valid: true };
  const step = /^\d+$/.test(asked) ? Number(asked) : NaN;
  return step <= lastStep ? { step, asked, valid: true } : { step: lastStep, asked, valid: false };
}

/** The link to the run at `runUrl` (a path under `origin`), at step `k` unless it is null. */
export function stepLink(runUrl, origin, k) {
  const url = new URL(runUrl, origin);
  if (k !== null) url.searchParams.set(STEP_PARAM, String(k));
  return url.href;
}

/**
 * The page's address `href` showing step `k`: with `?step=k`, or without it when `k` is null (the
 * timeline follows the newest step, which the address without it opens). Other parameters
 * (?lang=) are kept.
 */
export function addressAt(href, k) {
  const url = new URL(href);
  if (k === null) url.searchParams.delete(STEP_PARAM);
  else url.searchParams.set(STEP_PARAM, String(k));
  return url.href;
}
