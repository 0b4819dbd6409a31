// The teacher's assignment link: the settings filled in, and the ones ticked as locked, as
// `/new?lr=0.01&optimizer=adam&lock=lr,optimizer`. The server checks the link when a student
// opens it; "Try it" opens it here first.

import { t } from "./i18n.js";

const $ = (id) => document.getElementById(id);

/** The link for the form as it stands: only the settings given, then the locks. */
function assignmentLink(form) {
  const params = new URLSearchParams();
  for (const control of form.querySelectorAll("input[name], select[name]")) {
    const value = control.value.trim();
    if (value !== "") params.set(control.name, value);
  }
  const locks = [...form.querySelectorAll("[data-lock-for]:checked")].map((box) => box.dataset.lockFor);
  if (locks.length > 0) params.set("lock", locks.join(","));
  const query = params.toString().replaceAll("%2C", ","); // Commas read better in a link.
  return `${window.location.origin}/new${query ? `?${query}` : ""}`;
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

function start() {
  const form = $("assignment-form");
  const link = $("assignment-link");
  const update = () => {
    link.value = assignmentLink(form);
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

start();
