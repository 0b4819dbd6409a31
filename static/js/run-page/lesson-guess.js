// The lesson's "predict, then step" stop: the learner's guess for m after the next step, drawn
// as a dashed line over the data, then TensorFlow's answer beside it with the update written
// out. An owner steps the run; a viewer moves the timeline to the step the run already took.

import { COLORS } from "../charts/palette.js";
import { $ } from "../lib/dom.js";
import { formatNumber } from "../lib/format.js";
import { t } from "../lib/i18n.js";
import { guessRange, predictionOutcome } from "../model/lesson-facts.js";

export class GuessLine {
  /** Over `controller`'s run; `active()` says whether the stop is on screen. */
  constructor(controller, active) {
    this.controller = controller;
    this.active = active;
    this.number = $("lesson-guess");
    this.slider = $("lesson-guess-slider");
    this.button = document.querySelector('[data-lesson-action="step"]');
    this.guess = null; // The learner's m, once they typed or slid one.
    this.fromStep = null; // The step the guess was about: the one after it is compared.
    this.shownFor = null; // The step the inputs were last set up for.
    this.number.addEventListener("input", () => this.take(Number(this.number.value), this.slider));
    this.slider.addEventListener("input", () => this.take(Number(this.slider.value), this.number));
    controller.page.fitLayers.push((state) => this.traces(state));
  }

  /** The step the next update starts from: the newest for an owner, the shown one for a viewer. */
  startStep() {
    const { state, page } = this.controller;
    return page.viewOnly ? state.position : state.lastStep;
  }

  take(value, other) {
    if (!Number.isFinite(value)) return;
    this.guess = value;
    this.fromStep = this.startStep();
    other.value = String(value);
    this.controller.scheduleRender();
  }

  /** The dashed line of the guess: today's intercept, the guessed slope. */
  traces(state) {
    if (!this.active() || this.guess === null) return [];
    const w = state.weightsAt(this.fromStep);
    if (!w || w.b === null) return [];
    const xs = state.run.points.x;
    const span = [Math.min(...xs) - 100, Math.max(...xs) + 100]; // The axes clip it to the view.
    return [
      {
        name: t("lesson.predict.guess_line", { m: formatNumber(this.guess) }),
        type: "scatter",
        mode: "lines",
        x: span,
        y: span.map((x) => w.b + this.guess * x),
        line: { color: COLORS.guess, width: 3, dash: "dashdot" },
        hoverinfo: "skip",
      },
    ];
  }

  /** Set the inputs up for the step to come, unless the learner's guess is about it already. */
  prepare() {
    const k = this.startStep();
    if (this.shownFor === k || (this.fromStep !== null && this.controller.state.record(this.fromStep + 1))) return;
    this.shownFor = k;
    const w = this.controller.state.weightsAt(k);
    if (!w || w.m === null) return;
    const { min, max, step } = guessRange(w);
    Object.assign(this.slider, { min: String(min), max: String(max), step: String(step) });
    if (this.fromStep !== k) {
      this.guess = null;
      this.number.value = formatNumber(w.m);
      this.slider.value = String(w.m);
    }
    document.querySelector('label[for="lesson-guess"]').textContent = t("lesson.predict.guess_label", { step: k + 1 });
  }

  /** The outcome of the guess once its step exists, and the button for the step to come. */
  render(result) {
    const { state, page } = this.controller;
    this.prepare();
    const k = this.startStep();
    const atEnd = page.viewOnly && k >= state.lastStep;
    this.button.textContent = page.viewOnly
      ? t(atEnd ? "lesson.predict.viewer_back" : "lesson.predict.action_viewer", { step: k + 1 })
      : t("lesson.predict.action");
    this.button.disabled = page.viewOnly ? atEnd && state.lastStep === 0 : $("step-button").disabled;
    const record = this.fromStep === null ? null : state.record(this.fromStep + 1);
    result.replaceChildren();
    if (record && record.weights_after.m !== null) {
      const stepRate = this.controller.details.peek(record.step)?.learning_rate;
      const { compare, rule } = predictionOutcome(state.run, record, this.guess ?? record.weights_before.m, stepRate);
      const ruleLine = document.createElement("span");
      ruleLine.className = "rule";
      ruleLine.textContent = rule;
      result.append(compare, ruleLine);
    } else if (atEnd) {
      result.textContent = t("lesson.predict.viewer_at_end", { step: k });
    }
  }

  /** Take the step the guess is about: run the update op, or show the step the run took. */
  async step() {
    const { controller } = this;
    const { state, page } = controller;
    const k = this.startStep();
    if (this.guess === null) this.take(Number(this.number.value), this.slider);
    if (!page.viewOnly) {
      this.fromStep = k;
      await controller.step();
    } else if (k >= state.lastStep) {
      controller.moveTo(0);
    } else {
      this.fromStep = k;
      controller.moveTo(k + 1);
    }
  }
}
