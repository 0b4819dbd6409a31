// The teacher's page (/class): the assignment form writes its link as the teacher fills it in;
// "Copy" copies it and "Try it" opens it here first. "Create the assignment" stores it, with
// its title and instructions, and opens its live view, which shows its short link.

import { createAssignment } from "../api/client.js";
import { $ } from "../lib/dom.js";
import { t, useMessages } from "../lib/i18n.js";
import { assignmentLink, assignmentQuery, usesRecipe } from "../model/assignment-link.js";

// Disabled controls belong to a choice not made (another schedule's parameters): not sent.
const fieldsOf = (form) =>
  [...form.querySelectorAll("input[name], select[name]")].filter((control) => !control.disabled).map((control) => [control.name, control.value]);

const locksOf = (form) => [...form.querySelectorAll("[data-lock-for]:checked")].map((box) => box.dataset.lockFor);

/** The link for the form as it stands. */
const linkOf = (form) => assignmentLink(window.location.origin, fieldsOf(form), locksOf(form));

/** Store the assignment the form describes, then open its live view; say why if refused. */
async function create(form) {
  const button = $("assignment-create");
  button.disabled = true;
  $("assignment-status").textContent = "";
  try {
    const created = await createAssignment({
      title: $("assignment-title-input").value,
      instructions: $("assignment-instructions-input").value,
      settings: assignmentQuery(fieldsOf(form), locksOf(form)),
    });
    window.location.assign(created.live);
  } catch (error) {
    $("assignment-status").textContent = error.message;
    button.disabled = false;
  }
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

/** Offer the parameters of the schedule chosen, and only those. */
function showSchedule(form) {
  const chosen = form.elements.schedule.value;
  for (const field of form.querySelectorAll("[data-schedule-for]")) {
    const shown = chosen !== "" && field.dataset.scheduleFor.split(" ").includes(chosen);
    field.hidden = !shown;
    field.querySelector("input, select").disabled = !shown;
  }
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
    showSchedule(form);
    showRecipe(form);
    link.value = linkOf(form);
    $("assignment-open").href = link.value;
    $("assignment-status").textContent = "";
  };
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    create(form);
  });
  $("assignment-copy").addEventListener("click", () => copy(link));
  update();
  document.body.dataset.ready = "true";
}
