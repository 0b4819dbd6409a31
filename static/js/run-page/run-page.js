// The run page: init() builds its state from the run the server wrote into the page, wires the
// controls to the actions, and paints it.

import { adoptOwnerFragment, mayChange } from "../api/owner-tokens.js";
import { formatCount } from "../lib/format.js";
import { t, useMessages } from "../lib/i18n.js";
import { RunState } from "../model/run-state.js";
import { installAssignmentBanner } from "./assignment-banner.js";
import { installMenu } from "./export-menu.js";
import { PageState } from "./page-state.js";
import { RunController } from "./run-controller.js";
import { installShortcuts } from "./shortcuts.js";
import { elements, narrateStep } from "./toolbar.js";

function wire(controller) {
  const { graph, player } = controller;
  const step = () => controller.step();
  const run = () => controller.run();
  const move = (delta) => controller.move(delta);
  elements.step().addEventListener("click", step);
  elements.update().addEventListener("click", step);
  elements.run().addEventListener("click", run);
  elements.runLength().addEventListener("change", () => {
    elements.run().textContent = t("toolbar.run", { n: formatCount(controller.runLength()) });
  });
  elements.stop().addEventListener("click", () => player.stop());
  elements.reset().addEventListener("click", () => controller.reset());
  elements.evaluate().addEventListener("click", () => controller.evaluate());
  elements.copy().addEventListener("click", () => controller.copyLink());
  elements.timeline().addEventListener("input", (event) => controller.moveTo(Number(event.target.value)));
  elements.timeline().addEventListener("change", () => narrateStep(controller.state));
  elements.timelineBack().addEventListener("click", () => move(-1));
  elements.timelineForward().addEventListener("click", () => move(1));
  for (const radio of elements.graphHighlights()) {
    radio.addEventListener("change", () => graph.setHighlight(radio.value));
  }
  elements.graphStepwise().addEventListener("change", (event) => graph.setShowStepwise(event.target.checked));
  elements.graphInitializer().addEventListener("change", (event) => graph.setShowInitializer(event.target.checked));
  for (const table of elements.dataTables()) table.addEventListener("toggle", () => controller.scheduleRender());
  installMenu(elements.exportMenu());
  installShortcuts({ step, run, togglePlay: () => controller.togglePlay(), move });
}

/** Start the page for `run` (as GET /api/runs/{id} returns it), in the language of `messages`. */
export async function init(run, messages) {
  useMessages(messages);
  const state = new RunState(run);
  adoptOwnerFragment(state.run.id); // Before anything asks whether this browser owns the run.
  const page = new PageState({ viewOnly: !mayChange(state.run) });
  installAssignmentBanner(state.run, !mayChange(state.run));
  const controller = new RunController(state, page);
  wire(controller);
  await controller.start();
}
