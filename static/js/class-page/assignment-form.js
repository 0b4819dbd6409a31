// The teacher's page (/class): the assignment form writes its link as the teacher fills it in;
// "Copy" copies it and "Try it" opens it here first.

import { $ } from "../lib/dom.js";
import { t, useMessages } from "../lib/i18n.js";
import { assignmentLink } from "../model/assignment-link.js";

/** The link for the form as it stands. */
function linkOf(form) {
  const fields = [...form.querySelectorAll("input[name], select[name]")].map((control) => [control.name, control.value]);
  const locks = [...form.querySelectorAll("[data-lock-for]:checked")].map((box) => box.dataset.lockFor);
  return assignmentLink(window.location.origin, fields, locks);
}

async function copy(link) {
  try {
    await navigator.clipboard.writeText(link.value);
    $("assignment-status").textContent = t("assignment.copied");
  } catch {
    link.select(); // Without clipboard permission, the teacher copies the selected link.
    $("assignment-status").textContent = t("status.copy_manual");
  }
}

/** Start the form, in the page's language (`messages`). */
export function init(messages) {
  useMessages(messages);
  const form = $("assignment-form");
  const link = $("assignment-link");
  const update = () => {
    link.value = linkOf(form);
    $("assignment-open").href = link.value;
    $("assignment-status").textContent = "";
  };
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  form.addEventListener("submit", (event) => event.preventDefault());
  $("assignment-copy").addEventListener("click", () => copy(link));
  update();
  document.body.dataset.ready = "true";
}
