// The guided lesson beside the controls (templates/_lesson.html): six stops, each pointing at
// the panel it talks about and acting through the page's own controls, so that every number it
// quotes is the run's. Its place is kept per browser (model/lesson-progress.js).

import { createRun } from "../api/client.js";
import { formatNumber } from "../lib/format.js";
import { $ } from "../lib/dom.js";
import { keepEmbedding } from "../lib/embedding.js";
import { t } from "../lib/i18n.js";
import { lessonCookie, lessonLink, LESSON_STOPS, stopNumber, withoutLessonParam } from "../model/lesson-progress.js";
import { opCounts, runProgress, sharesSum, tooBigFacts } from "../model/lesson-facts.js";
import { specLike } from "../model/run-spec.js";
import { GuessLine } from "./lesson-guess.js";

const TARGET_CLASS = "lesson-target";
const LESSON_RUN_STEPS = 50; // The sample's loop.
const REPLAY_INTERVAL_MS = 40; // A viewer's replay: about two seconds for fifty steps.

export class LessonPanel {
  /** The lesson over `controller`'s run (a RunController: its state, page, graph and actions). */
  constructor(controller) {
    this.controller = controller;
    this.section = $("lesson");
    this.body = $("lesson-body");
    this.stop = stopNumber(this.section.dataset.stop) ?? 1;
    this.open = !this.section.classList.contains("folded");
    this.guess = new GuessLine(controller, () => this.open && this.stop === 2);
    this.runFrom = null; // The step Run 50 (or a replay) started from, for stop 4's summary.
    this.replayTimer = null;
    this.wire();
  }

  wire() {
    for (const link of this.section.querySelectorAll("[data-lesson-go]")) {
      link.addEventListener("click", (event) => {
        event.preventDefault(); // The link works without script; with it, no reload.
        this.go(stopNumber(link.dataset.lessonGo), { focus: true });
      });
    }
    $("lesson-back").addEventListener("click", () => this.go(this.stop - 1, { focus: true }));
    $("lesson-next").addEventListener("click", () => {
      if (this.stop === LESSON_STOPS) this.setOpen(false);
      else this.go(this.stop + 1, { focus: true });
    });
    $("lesson-close").addEventListener("click", () => this.setOpen(false));
    $("lesson-open").addEventListener("click", () => this.setOpen(true));
    const actions = {
      evaluate: () => this.evaluate(),
      step: () => this.step(),
      run: () => this.run(),
      "highlight-step": () => this.highlight("step"),
      "highlight-evaluate": () => this.highlight("evaluate"),
      "too-big": () => this.tryTooBig(),
    };
    for (const button of this.section.querySelectorAll("[data-lesson-action]")) {
      button.addEventListener("click", actions[button.dataset.lessonAction]);
    }
  }

  /**
   * The first paint, at the stop as rendered. A stop the address linked to becomes this
   * browser's place in the lesson, and leaves the address: a reload keeps the learner's progress.
   */
  start() {
    const address = withoutLessonParam(window.location.href);
    if (address !== window.location.href) {
      window.history.replaceState(window.history.state, "", address);
      this.remember();
    }
    this.show({ redraw: false }); // The page's first paint follows, once its steps are loaded.
  }

  stopElement(stop = this.stop) {
    return $(`lesson-stop-${stop}`);
  }

  /** Move to stop `stop`; `focus` takes keyboard and screen reader to its heading. */
  go(stop, { focus = false } = {}) {
    if (stop === null || stop < 1 || stop > LESSON_STOPS) return;
    this.stop = stop;
    this.remember();
    this.show();
    if (focus) this.stopElement().querySelector("h3").focus();
  }

  setOpen(open) {
    this.open = open;
    this.remember();
    this.show();
    (open ? this.stopElement().querySelector("h3") : $("lesson-open")).focus();
  }

  remember() {
    document.cookie = lessonCookie({ stop: this.stop, open: this.open });
  }

  /**
   * Show the lesson as it is now: open at its stop (its panel marked) or folded to one line;
   * `redraw` the charts too, where the guess line comes and goes with stop 2.
   */
  show({ redraw = true } = {}) {
    const { section, stop, open } = this;
    section.classList.toggle("folded", !open);
    $("run-top").classList.toggle("with-lesson", open);
    this.body.hidden = !open;
    $("lesson-open").hidden = open;
    $("lesson-open").textContent = t("lesson.resume", { stop, total: LESSON_STOPS });
    for (const link of section.querySelectorAll("[data-lesson-go]")) {
      if (stopNumber(link.dataset.lessonGo) === stop) link.setAttribute("aria-current", "step");
      else link.removeAttribute("aria-current");
    }
    for (const element of section.querySelectorAll("[data-lesson-stop]")) {
      element.hidden = stopNumber(element.dataset.lessonStop) !== stop;
    }
    $("lesson-back").disabled = stop === 1;
    $("lesson-next").textContent = t(stop === LESSON_STOPS ? "lesson.finish" : "lesson.next");
    for (const marked of document.querySelectorAll(`.${TARGET_CLASS}`)) marked.classList.remove(TARGET_CLASS);
    if (open) $(this.stopElement().dataset.target)?.classList.add(TARGET_CLASS);
    this.render();
    if (redraw) this.controller.scheduleRender();
  }

  result(stop = this.stop) {
    return this.stopElement(stop).querySelector("[data-lesson-result]");
  }

  /** Fill in the current stop's numbers; called with the readouts whenever the page changes. */
  render() {
    if (!this.open) return;
    const renderers = {
      2: () => this.guess.render(this.result(2)),
      3: () => this.renderShares(),
      4: () => this.renderRun(),
      5: () => this.renderGraph(),
      6: () => this.renderTooBig(),
    };
    renderers[this.stop]?.();
  }

  async evaluate() {
    const { state } = this.controller;
    const k = state.lastStep;
    const before = { step: k, loss: state.lossAt(k), weights: state.weightsAt(k) ?? {} };
    const evaluated = await this.controller.evaluate();
    if (!evaluated) return;
    const table = this.stopElement(1).querySelector(".lesson-pair");
    const { reading, movedOn } = evaluated;
    table.hidden = movedOn;
    if (movedOn) {
      this.result(1).textContent = t("lesson.evaluate.moved_on", { step: reading.step });
      return;
    }
    const rows = { before, after: reading };
    for (const [name, values] of Object.entries(rows)) {
      const cells = table.querySelectorAll(`[data-pair="${name}"] td`);
      const shown = [values.step, values.loss, values.weights.b, values.weights.m];
      shown.forEach((value, i) => {
        cells[i].textContent = i === 0 ? String(value) : formatNumber(value);
      });
    }
    this.result(1).textContent = t("lesson.evaluate.same");
  }

  async step() {
    await this.guess.step();
  }

  run() {
    const { controller } = this;
    const { state, page } = controller;
    if (page.viewOnly) {
      this.replay();
      return;
    }
    this.runFrom = state.lastStep;
    controller.run(LESSON_RUN_STEPS);
  }

  /** A viewer cannot run the sample's loop, but can watch it again from step 0. */
  replay() {
    const { controller } = this;
    clearInterval(this.replayTimer);
    this.runFrom = 0;
    controller.moveTo(0);
    this.replayTimer = setInterval(() => {
      const { state } = controller;
      if (state.position >= state.lastStep) clearInterval(this.replayTimer);
      else controller.moveTo(state.position + 1);
    }, REPLAY_INTERVAL_MS);
  }

  renderRun() {
    const { state, page } = this.controller;
    const button = this.stopElement(4).querySelector('[data-lesson-action="run"]');
    button.textContent = t(page.viewOnly ? "lesson.run.action_viewer" : "lesson.run.action");
    button.disabled = page.viewOnly ? state.lastStep === 0 : $("run-button").disabled;
    if (this.runFrom === null) return;
    const to = page.viewOnly ? state.position : state.lastStep;
    this.result(4).textContent = runProgress(state, this.runFrom, to);
  }

  renderShares() {
    const { state, details } = this.controller;
    const step = state.explainedStep();
    if (state.lastStep === 0) {
      this.result(3).textContent = t("lesson.shares.need_step");
      return;
    }
    const detail = details.peek(step);
    this.result(3).textContent = detail ? sharesSum(detail) : t("lesson.shares.loading", { step });
  }

  highlight(kind) {
    const { graph } = this.controller;
    graph.setHighlight(kind);
    // The graph is fetched once it comes near the screen, which the scroll below brings about.
    graph.load().then(
      () => this.renderGraph(),
      (error) => this.controller.reportError(error),
    );
    $("graph-panel").scrollIntoView({ block: "start", behavior: "smooth" });
  }

  renderGraph() {
    const { nodes } = this.controller.graph;
    if (!nodes.length) return;
    this.result(5).textContent = t("lesson.graph.counts", opCounts(nodes));
  }

  renderTooBig() {
    const { state } = this.controller;
    const { text, tryRate } = tooBigFacts(state);
    this.result(6).textContent = text;
    const button = this.stopElement(6).querySelector('[data-lesson-action="too-big"]');
    button.hidden = tryRate === null;
    if (tryRate !== null) {
      button.dataset.rate = String(tryRate);
      button.textContent = t("lesson.too_big.action", { lr: tryRate });
    }
  }

  /** The same points with plain gradient descent over its limit, opened at this stop. */
  async tryTooBig() {
    const { state } = this.controller;
    const button = this.stopElement(6).querySelector('[data-lesson-action="too-big"]');
    const rate = Number(button.dataset.rate);
    button.disabled = true;
    try {
      const spec = specLike(state.run, {
        learning_rate: rate,
        learning_rate_schedule: null, // One rate for every step: a decay would tame it.
        optimizer: { name: "gradient_descent" },
        batch_size: null,
      });
      const run = await createRun(spec);
      window.location.assign(keepEmbedding(lessonLink(run.url, window.location.origin, 6)));
    } catch (error) {
      this.controller.reportError(error);
      button.disabled = false;
    }
  }
}
