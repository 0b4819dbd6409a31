// The assignment at the top of a student's run (templates/_assignment.html, rendered by the
// server): its form saves the name the student gives for the teacher's page. Optional, never a
// login; a viewer of someone else's run sees the name, not the form.

import { setDisplayName } from "../api/client.js";
import { $ } from "../lib/dom.js";
import { t } from "../lib/i18n.js";

function showName(name) {
  $("assignment-name-value").textContent = name ?? ""; // Text, never HTML.
  $("assignment-name-shown").hidden = !name;
}

async function save(runId, input, status) {
  const button = $("assignment-name-save");
  button.disabled = true;
  status.textContent = "";
  try {
    const { display_name: name } = await setDisplayName(runId, input.value.trim() || null);
    input.value = name ?? "";
    showName(name);
    status.textContent = name ? t("banner.name_saved", { name }) : t("banner.name_cleared");
  } catch (error) {
    status.textContent = error.message;
  } finally {
    button.disabled = false;
  }
}

/** Wire the banner of `run`, if the page has one; `viewOnly` pages drop the name's form. */
export function installAssignmentBanner(run, viewOnly) {
  const form = $("assignment-name-form");
  if (!form) return;
  if (viewOnly) {
    // The name is the owner's to give: a viewer reads it, if there is one.
    for (const control of form.querySelectorAll("label, input, button, .hint")) control.remove();
    return;
  }
  const input = $("assignment-name");
  const status = $("assignment-name-status");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    save(run.id, input, status);
  });
}
