// Keyboard shortcuts: S step, R run 50, space play/pause, ← → move along the timeline.
// Keys a focused control already uses for itself are left to it.

const NON_TEXT_INPUTS = new Set(["range", "checkbox", "radio", "button"]);

function isTextField(target) {
  if (target.tagName === "TEXTAREA" || target.tagName === "SELECT") return true;
  return target.tagName === "INPUT" && !NON_TEXT_INPUTS.has(target.type);
}

// The timeline slider and radio buttons move themselves with the arrows, and a focused region
// that scrolls (a wide table, a code listing) scrolls with them.
const ownsArrows = (target) => target.tagName === "INPUT" || Boolean(target.closest?.('[role="region"][tabindex="0"]'));
// Buttons, summaries, checkboxes and graph nodes are activated by the space bar.
const ownsSpace = (target) =>
  target.tagName === "INPUT" || Boolean(target.closest?.("button, summary, [role=button]"));

export function installShortcuts({ step, run, togglePlay, move }) {
  document.addEventListener("keydown", (event) => {
    const target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey || isTextField(target)) return;
    const arrows = { ArrowLeft: -1, ArrowRight: 1 };
    let action = null;
    if (event.key === "s" || event.key === "S") action = step;
    else if (event.key === "r" || event.key === "R") action = run;
    else if (event.key === " " && !ownsSpace(target) && !event.repeat) action = togglePlay;
    else if (event.key in arrows && !ownsArrows(target)) action = () => move(arrows[event.key]);
    if (action) {
      event.preventDefault();
      action();
    }
  });
}
