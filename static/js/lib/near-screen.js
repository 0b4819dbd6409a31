// Work for a part of the page that waits until the part comes near the screen: a learner on a
// phone sees the toolbar and the lesson first, and the charts and the graph below them cost
// nothing (no script fetched, no drawing) until they scroll towards them.

// Near: within this distance of the viewport, so that a part is drawn as the learner scrolls
// towards it, before it shows.
const NEAR_SCREEN_MARGIN = "200px 0px";

/**
 * Call `callback` once, when `element` comes within NEAR_SCREEN_MARGIN of the viewport (soon
 * after this call if it already is). Returns a function that cancels the wait.
 * @param {Element} element
 * @param {() => void} callback
 */
export function whenNearScreen(element, callback) {
  const observer = new IntersectionObserver(
    (entries) => {
      if (!entries.some((entry) => entry.isIntersecting)) return;
      observer.disconnect();
      callback();
    },
    { rootMargin: NEAR_SCREEN_MARGIN },
  );
  observer.observe(element);
  return () => observer.disconnect();
}
