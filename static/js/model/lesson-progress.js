// Where the guided lesson is, kept per browser in a cookie the server also reads
// (app/api/lesson.py), so that the page is rendered with the lesson as it was left.

export const LESSON_STOPS = 6;
export const LESSON_COOKIE = "stepwise_lesson";
export const LESSON_PARAM = "lesson";
const COOKIE_SECONDS = 365 * 24 * 3600;

/** A stop number 1 … LESSON_STOPS, or null for anything else. */
export function stopNumber(value) {
  const stop = Number(value);
  return Number.isInteger(stop) && stop >= 1 && stop <= LESSON_STOPS ? stop : null;
}

/** The cookie that remembers `place` ({stop, open}). */
export function lessonCookie({ stop, open }) {
  const value = `${open ? "open" : "closed"}-${stop}`;
  return `${LESSON_COOKIE}=${value}; Max-Age=${COOKIE_SECONDS}; Path=/; SameSite=Lax`;
}

/**
 * The address `href` without `?lesson=`: once the page has opened a linked stop, the learner's
 * own progress decides where the lesson is on the next visit, not the link.
 */
export function withoutLessonParam(href) {
  const url = new URL(href);
  url.searchParams.delete(LESSON_PARAM);
  return url.href;
}

/** The link that opens the run at `runUrl` (a path under `origin`) at lesson stop `stop`. */
export function lessonLink(runUrl, origin, stop) {
  const url = new URL(runUrl, origin);
  url.searchParams.set(LESSON_PARAM, String(stop));
  return url.href;
}
