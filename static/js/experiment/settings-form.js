// The settings of a new run, in a dialog prefilled from the run shown, so that "change one
// thing and run again" is one click. The browser checks ranges first; the server's answer is
// the truth: a 422 shows its `detail` in the form, which keeps every value. In an assignment,
// the settings the teacher locked are shown locked, and the server holds new runs to them.

import { ApiError, createRun } from "../api/client.js";
import { $ } from "../lib/dom.js";
import { keepEmbedding } from "../lib/embedding.js";
import { formatNumber } from "../lib/format.js";
import { t } from "../lib/i18n.js";
import { aboveLimit, gradientDescentLimit } from "../model/stable-rate.js";

// The slider holds log10 of the learning rate; the exact field holds the rate itself.
const LR_SLIDER_DIGITS = 3;
const FLOAT32_DIGITS = 9;
const MADE_PRESETS = new Set(["outlier", "steep", "far_from_zero"]);

/** A number field's value, or null when it is empty or not a number (the server says which). */
function numberIn(input) {
  return input.value.trim() === "" ? null : Number(input.value);
}

/** The data source a run came from: a made preset, the learner's own points, or the recipe. */
function sourceOf(config) {
  if (MADE_PRESETS.has(config.preset)) return { source: "preset", preset: config.preset };
  return { source: config.custom_points ? "plot" : "preset", preset: "sample" };
}

export class SettingsForm {
  /**
   * `pointsOnPlot()` gives the points of the fit plot (with the learner's edits);
   * `pickWeights()` resolves to {b, m} clicked on the loss surface, or null.
   */
  constructor(run, { pointsOnPlot, pickWeights }) {
    this.run = run;
    this.pointsOnPlot = pointsOnPlot;
    this.pickWeights = pickWeights;
    this.dialog = $("new-run-dialog");
    this.form = $("new-run-form");
    this.fields = this.form.elements;
    this.error = $("new-run-error");
    this.wire();
    this.fill(run);
    this.lock(run.config.locks);
  }

  /** Disable the controls of the settings `locks` names, and say who set them. */
  lock(locks) {
    for (const control of this.form.querySelectorAll("[data-lock]")) {
      if (locks.includes(control.dataset.lock)) control.disabled = true;
    }
    for (const note of this.form.querySelectorAll("[data-lock-note]")) {
      note.hidden = !locks.includes(note.dataset.lockNote);
    }
  }

  wire() {
    this.form.addEventListener("submit", (event) => {
      event.preventDefault(); // The browser has checked the fields by now.
      this.submit();
    });
    this.form.addEventListener("change", () => this.showSections());
    // The page's shortcuts (S step, R run) are not for a page behind a modal dialog.
    this.dialog.addEventListener("keydown", (event) => event.stopPropagation());
    $("lr-slider").addEventListener("input", (event) => {
      this.fields.learning_rate.value = String(Number((10 ** Number(event.target.value)).toPrecision(LR_SLIDER_DIGITS)));
      this.showLimit();
    });
    this.fields.learning_rate.addEventListener("input", () => {
      this.moveSlider();
      this.showLimit();
    });
    // Typing a value chooses what it is for.
    this.fields.batch_size.addEventListener("input", () => this.choose("batch", "mini"));
    for (const name of ["init_b", "init_m"]) this.fields[name].addEventListener("input", () => this.choose("init", "typed"));
    this.fields.points_csv.addEventListener("input", () => this.choose("source", "csv"));
    $("csv-file").addEventListener("change", (event) => this.readCsvFile(event.target.files[0]));
    $("pick-on-surface").addEventListener("click", () => this.pick());
    $("new-run-reset").addEventListener("click", () => this.fill(this.run));
    $("new-run-cancel").addEventListener("click", () => this.dialog.close());
    $("new-run-close").addEventListener("click", () => this.dialog.close());
  }

  /** Open the dialog, optionally with the data source `source` chosen. */
  open(source) {
    if (source) this.choose("source", source);
    this.showSections();
    if (!this.dialog.open) this.dialog.showModal();
    if (source === "csv") this.fields.points_csv.focus();
  }

  choose(radioName, value) {
    this.fields[radioName].value = value;
    this.showSections();
  }

  moveSlider() {
    const rate = numberIn(this.fields.learning_rate);
    if (rate === null || !(rate > 0)) return;
    const slider = $("lr-slider");
    slider.value = String(Math.min(Number(slider.max), Math.max(Number(slider.min), Math.log10(rate))));
  }

  /** The run's settings in every field; the other optimizers keep TensorFlow's defaults. */
  fill(run) {
    const config = run.config;
    const f = this.fields;
    this.form.reset();
    f.learning_rate.value = String(config.learning_rate);
    this.moveSlider();
    f.seed.value = String(config.seed);
    f.optimizer.value = config.optimizer;
    for (const input of this.paramInputs(config.optimizer)) {
      const value = config.optimizer_params[input.dataset.param];
      if (value === undefined) continue;
      if (input.type === "checkbox") input.checked = Boolean(value);
      else input.value = String(value);
    }
    this.fillSchedule(config);
    f.loss.value = config.loss;
    f.batch.value = config.batch_size === null ? "full" : "mini";
    if (config.batch_size !== null) f.batch_size.value = String(config.batch_size);
    f.init.value = config.custom_initial_weights ? "typed" : "random";
    // Shown either way: a starting point for typing other weights. Nine significant digits
    // give back the very float32 the run started from.
    f.init_b.value = String(Number(run.initial_weights.b.toPrecision(FLOAT32_DIGITS)));
    f.init_m.value = String(Number(run.initial_weights.m.toPrecision(FLOAT32_DIGITS)));
    const { source, preset } = sourceOf(config);
    f.source.value = source;
    f.preset.value = preset;
    if (config.noise !== null) {
      f.num_points.value = String(config.num_points);
      f.noise.value = String(config.noise);
      [f.x_low.value, f.x_high.value] = config.x_range.map(String);
    }
    this.showError("");
    this.showSections();
  }

  /** The run's schedule and its parameters; the other schedules keep their defaults. */
  fillSchedule(config) {
    const schedule = config.learning_rate_schedule;
    this.fields.schedule.value = schedule ? schedule.name : "none";
    // A piecewise schedule starts at the learning rate: offered so, until the learner types.
    this.scheduleInputs("piecewise_constant").forEach((input) => {
      if (input.dataset.scheduleParam === "values") input.value = `${config.learning_rate}, ${config.learning_rate / 10}, ${config.learning_rate / 100}`;
    });
    if (!schedule) return;
    for (const input of this.scheduleInputs(schedule.name)) {
      const value = schedule.params[input.dataset.scheduleParam];
      if (value === undefined) continue;
      if (input.type === "checkbox") input.checked = Boolean(value);
      else input.value = Array.isArray(value) ? value.join(", ") : String(value);
    }
  }

  scheduleInputs(name) {
    return this.form.querySelectorAll(`[data-schedule="${name}"] [data-schedule-param]`);
  }

  /** The body's learning_rate_schedule: null for a constant rate. */
  scheduleSpec() {
    const name = this.fields.schedule.value;
    if (name === "none") return null;
    const spec = { name };
    for (const input of this.scheduleInputs(name)) {
      const param = input.dataset.scheduleParam;
      if (input.type === "checkbox") spec[param] = input.checked;
      // A list the server checks: each part a number, or the text itself for it to refuse.
      else if (input.dataset.list) spec[param] = input.value.split(",").map((part) => (part.trim() === "" || Number.isNaN(Number(part)) ? part.trim() : Number(part)));
      else spec[param] = numberIn(input);
    }
    return spec;
  }

  paramInputs(optimizer) {
    return this.form.querySelectorAll(`[data-optimizer="${optimizer}"] [data-param]`);
  }

  /**
   * Show only the fields the choices use. Hidden groups are disabled too, so the browser
   * neither checks nor sends them.
   */
  showSections() {
    const f = this.fields;
    const toggle = (group, shown) => {
      group.hidden = !shown;
      group.disabled = !shown;
    };
    for (const group of this.form.querySelectorAll("[data-optimizer]")) toggle(group, group.dataset.optimizer === f.optimizer.value);
    for (const group of this.form.querySelectorAll("[data-schedule]")) toggle(group, group.dataset.schedule === f.schedule.value);
    for (const group of this.form.querySelectorAll("[data-source]")) toggle(group, group.dataset.source === f.source.value);
    toggle(this.form.querySelector("[data-recipe]"), f.preset.value === "sample");
    // Points per step mean nothing in a full batch: offered only for mini-batches.
    $("batch-size-field").hidden = f.batch.value !== "mini";
    for (const note of this.form.querySelectorAll("[data-preset-explain]")) note.hidden = note.dataset.presetExplain !== f.preset.value;
    f.batch_size.required = f.batch.value === "mini";
    f.init_b.required = f.init_m.required = f.init.value === "typed";
    $("source-plot-label").textContent = t("newrun.source_plot", { n: this.pointsOnPlot().length });
    this.showLimit();
  }

  /**
   * The stable limit of plain gradient descent for the loss chosen, and a warning, as the
   * learner types, when the rate is above it (the warning is a status region, so screen
   * readers say it; it changes only when the rate crosses the limit, not at each key).
   */
  showLimit() {
    const f = this.fields;
    const limit = formatNumber(gradientDescentLimit(this.run, f.loss.value));
    $("lr-limit").textContent = t("newrun.lr_limit", { limit });
    const settings = { optimizer: f.optimizer.value, loss: f.loss.value, fullBatch: f.batch.value !== "mini" };
    const warning = aboveLimit(numberIn(f.learning_rate), this.run, settings) ? t("newrun.lr_over_limit", { limit }) : "";
    const region = $("lr-warning");
    if (region.textContent !== warning) region.textContent = warning;
  }

  optimizerSpec() {
    const spec = { name: this.fields.optimizer.value };
    for (const input of this.paramInputs(spec.name)) {
      spec[input.dataset.param] = input.type === "checkbox" ? input.checked : numberIn(input);
    }
    return spec;
  }

  dataSpec() {
    const f = this.fields;
    if (f.source.value === "plot") return { points: this.pointsOnPlot() };
    if (f.source.value === "csv") return { points_csv: f.points_csv.value };
    if (f.preset.value !== "sample") return { preset: f.preset.value };
    return { num_points: numberIn(f.num_points), noise: numberIn(f.noise), x_range: [numberIn(f.x_low), numberIn(f.x_high)] };
  }

  /** The body of POST /api/runs for these settings; `data` replaces the form's data source. */
  spec(data = this.dataSpec()) {
    const f = this.fields;
    const spec = {
      learning_rate: numberIn(f.learning_rate),
      learning_rate_schedule: this.scheduleSpec(),
      seed: numberIn(f.seed),
      optimizer: this.optimizerSpec(),
      loss: f.loss.value,
      batch_size: f.batch.value === "mini" ? numberIn(f.batch_size) : null,
      ...data,
      based_on: this.run.id, // The server keeps an assignment's locked settings from it.
    };
    if (f.init.value === "typed") spec.initial_weights = { b: numberIn(f.init_b), m: numberIn(f.init_m) };
    return spec;
  }

  /** Create the run and go to its page; an ApiError (the server's message) is thrown. */
  async start(data) {
    const run = await createRun(this.spec(data));
    window.location.assign(keepEmbedding(run.url));
  }

  async submit() {
    const button = $("new-run-submit");
    button.disabled = true;
    this.showError("");
    try {
      await this.start();
    } catch (error) {
      this.showError(error instanceof ApiError ? error.message : String(error));
      button.disabled = false;
    }
  }

  showError(text) {
    this.error.textContent = text;
    this.error.hidden = text === "";
  }

  readCsvFile(file) {
    if (!file) return;
    const reader = new FileReader();
    reader.addEventListener("load", () => {
      this.fields.points_csv.value = String(reader.result);
      this.choose("source", "csv");
    });
    reader.addEventListener("error", () => this.showError(String(reader.error)));
    reader.readAsText(file);
  }

  /** Close the dialog while the learner clicks the loss surface, then come back with (b, m). */
  async pick() {
    this.dialog.close();
    const weights = await this.pickWeights();
    if (weights) {
      this.fields.init_b.value = String(weights.b);
      this.fields.init_m.value = String(weights.m);
      this.fields.init.value = "typed";
    }
    this.open();
    (weights ? this.fields.init_b : $("pick-on-surface")).focus();
  }
}
