// The Download menu (a <details> beside the toolbar): the browser opens it with a click, Enter
// or Space on its summary; here it closes with Escape (focus back on the summary), a click or
// focus elsewhere, and once a file is chosen.

/** Make the <details> `menu` close as a menu does. */
export function installMenu(menu) {
  const summary = menu.querySelector("summary");
  const close = ({ refocus }) => {
    if (!menu.open) return;
    menu.open = false;
    if (refocus) summary.focus();
  };
  menu.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || !menu.open) return;
    event.stopPropagation();
    close({ refocus: true });
  });
  // A file chosen: its download starts, and the menu gets out of the way.
  menu.addEventListener("click", (event) => {
    if (event.target.closest("a, button")) close({ refocus: true });
  });
  document.addEventListener("click", (event) => {
    if (!menu.contains(event.target)) close({ refocus: false });
  });
  menu.addEventListener("focusout", (event) => {
    if (event.relatedTarget && !menu.contains(event.relatedTarget)) close({ refocus: false });
  });
}
