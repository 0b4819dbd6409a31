// Reset asks first when the run has steps: a modal <dialog> (#reset-dialog), as the New run
// form is, answered by the keyboard (the focused Reset button takes Enter, Escape cancels).
// After the reset, the line under the status links the run that keeps the old steps.

import { $, element } from "../lib/dom.js";
import { keepEmbedding } from "../lib/embedding.js";
import { t } from "../lib/i18n.js";

export class ResetDialog {
  constructor() {
    this.dialog = $("reset-dialog");
    this.answer = null; // Resolves the question asked, true for Reset.
    $("reset-confirm").addEventListener("click", () => this.dialog.close("reset"));
    $("reset-cancel").addEventListener("click", () => this.dialog.close("cancel"));
    // Escape (the dialog's own "cancel") and the buttons all end here.
    this.dialog.addEventListener("close", () => {
      const answer = this.answer;
      this.answer = null;
      if (answer) answer(this.dialog.returnValue === "reset");
    });
    // The page's shortcuts (S step, R run) are not for a page behind a modal dialog.
    this.dialog.addEventListener("keydown", (event) => event.stopPropagation());
  }

  /** Ask whether to reset the run; its steps 1..`kept` will be kept (0: none can be). */
  ask(kept) {
    $("reset-explain").textContent = kept > 0 ? t("reset.explain", { n: kept }) : t("reset.explain_overflowed");
    this.dialog.returnValue = "";
    this.dialog.showModal();
    $("reset-confirm").focus();
    return new Promise((resolve) => {
      this.answer = resolve;
    });
  }
}

/** Under the status line: the run that keeps the steps 1..`kept` a reset took away. */
export function showKept(fork, kept) {
  const line = $("reset-kept");
  const link = element("a", { href: keepEmbedding(fork.url), id: "reset-kept-link" }, fork.id);
  line.replaceChildren(`${t("reset.kept", { n: kept })} `, link);
  line.hidden = false;
}
