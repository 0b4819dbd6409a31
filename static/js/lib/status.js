// The page's status line (#status): what just happened, or what went wrong.

import { $ } from "./dom.js";

/** Show `text` under the controls (none: the line is hidden); kind is "info", "error" or "diverged". */
export function showStatus(text, kind = "info") {
  const status = $("status");
  status.textContent = text;
  status.dataset.kind = kind;
  status.hidden = text === "";
}
