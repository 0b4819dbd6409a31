/**
 * A page shown in a course site's frame (`?embed=1`, app/api/embedding.py) keeps that on the
 * run pages it opens (a fork, a new run, a retry at a stable rate), so a student who goes on
 * inside the frame stays in its compact layout.
 */

/** `url` (a path or an address), with `embed=1` if the page at `current` has it. */
export function keepEmbedding(url, current = window.location.href) {
  if (new URL(current).searchParams.get("embed") !== "1") return url;
  const next = new URL(url, current);
  next.searchParams.set("embed", "1");
  return next.origin === new URL(current).origin ? next.pathname + next.search + next.hash : next.href;
}
