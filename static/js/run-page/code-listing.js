// Highlight the lines of the code listings that the last action corresponds to.

/** `action` is "step", "evaluate" or "init" (reset), as the listings mark their lines. */
export function highlightCode(action) {
  for (const line of document.querySelectorAll(".code-line")) {
    line.classList.toggle("active", line.dataset.action === action);
  }
}
