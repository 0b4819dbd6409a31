// Keyboard shortcuts: S step, R run 50, space play/pause, ← → move along the timeline.

const TYPING = new Set(["INPUT", "TEXTAREA", "SELECT"]);

export function installShortcuts({ step, run, togglePlay, move }) {
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || (event.repeat && event.key === " ")) return;
    // Form fields keep their own keys (the timeline slider moves itself with the arrows).
    if (TYPING.has(event.target.tagName)) return;
    const onControl = event.target.closest && event.target.closest("button, [role=button], summary");
    const actions = {
      s: step,
      S: step,
      r: run,
      R: run,
      ArrowLeft: () => move(-1),
      ArrowRight: () => move(1),
    };
    if (event.key === " " && !onControl) {
      event.preventDefault();
      togglePlay();
    } else if (actions[event.key]) {
      event.preventDefault();
      actions[event.key]();
    }
  });
}
