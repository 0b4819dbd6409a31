// The teacher's page (/class): the assignment form writes its link as the teacher fills it in;
// "Copy" copies it and "Try it" opens it here first.

import { $ } from "../lib/dom.js";
import { t, useMessages } from "../lib/i18n.js";
import { assignmentLink, usesRecipe } from "../model/assignment-link.js";

const fieldsOf = (form) => [...form.querySelectorAll("input[name], select[name]")].map((control) => [control.name, control.value]);

/** The link for the form as it stands. */
function linkOf(form) {
  const locks = [...form.querySelectorAll("[data-lock-for]:checked")].map((box) => box.dataset.lockFor);
  return assignmentLink(window.location.origin, fieldsOf(form), locks);
}

/** Offer the recipe's settings only when no preset replaces them, and say why when one does. */
function showRecipe(form) {
  const shown = usesRecipe(fieldsOf(form));
  for (const field of form.querySelectorAll("[data-recipe]")) {
    field.hidden = !shown;
    field.querySelector("input").disabled = !shown;
  }
  $("assignment-preset-points").hidden = shown;
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
    showRecipe(form);
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
