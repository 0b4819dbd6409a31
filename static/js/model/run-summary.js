// A run's settings as the pages write them: its points, and its optimizer the way the run's
// Python code constructs it.

import { formatNumber } from "../lib/format.js";
import { t } from "../lib/i18n.js";

/** The presets that make their own points ("sample" is the recipe's). */
const MADE_PRESETS = ["outlier", "steep", "far_from_zero"];

/** "20 points from the recipe (seed 7, noise 0.5)", a preset by its name, or so many of the
 * learner's own. */
export function pointsSummary(config) {
  if (MADE_PRESETS.includes(config.preset)) {
    return t("facts.points_preset", { n: config.num_points, preset: t(`newrun.preset_${config.preset}`) });
  }
  return config.custom_points
    ? t("facts.points_custom", { n: config.num_points })
    : t("facts.points_recipe", { n: config.num_points, seed: config.seed, noise: config.noise });
}

/** `name=value` for each optimizer parameter, booleans as Python writes them. */
function keywordArguments(config, writeNumber) {
  return Object.entries(config.optimizer_params).map(([name, value]) => {
    const written = typeof value === "boolean" ? (value ? "True" : "False") : writeNumber(value);
    return `${name}=${written}`;
  });
}

/** `AdamOptimizer(0.1, beta1=0.9, …)`: the optimizer as the run's code constructs it. */
export function optimizerCall(config) {
  const params = keywordArguments(config, String).map((argument) => `, ${argument}`);
  return `${config.optimizer_class}(${config.learning_rate}${params.join("")})`;
}

/** `beta1=0.9, beta2=0.999, …`, the numbers as the readouts write them. */
export const optimizerParams = (config) => keywordArguments(config, formatNumber).join(", ");

/** The tf.compat.v1.train class of a run's optimizer, from `classes` (name → class). */
export function optimizerClass(config, classes) {
  return classes[config.optimizer] ?? config.optimizer;
}

/** "Adam · lr 0.006": the settings that tell runs apart at a glance. */
export const shortSettings = (config, classes) => {
  const schedule = config.learning_rate_schedule;
  const rate = `lr ${config.learning_rate}${schedule ? ` (${schedule.name})` : ""}`;
  return `${optimizerClass(config, classes).replace(/Optimizer$/, "")} · ${rate}`;
};

// Each schedule's parameters in the order of its tf.compat.v1.train signature (the page's
// embedded JSON sorts an object's keys).
const SCHEDULE_SIGNATURES = {
  exponential_decay: ["decay_steps", "decay_rate", "staircase"],
  inverse_time_decay: ["decay_steps", "decay_rate", "staircase"],
  polynomial_decay: ["decay_steps", "end_learning_rate", "power"],
  piecewise_constant: ["boundaries", "values"],
  cosine_decay: ["decay_steps", "alpha"],
};

/** `exponential_decay(decay_steps=10, decay_rate=0.5, staircase=False)`, as the code calls it. */
export function scheduleCall(schedule) {
  const python = (value) => (typeof value === "boolean" ? (value ? "True" : "False") : Array.isArray(value) ? `[${value.join(", ")}]` : String(value));
  const names = SCHEDULE_SIGNATURES[schedule.name] ?? Object.keys(schedule.params);
  const args = names.filter((name) => name in schedule.params).map((name) => `${name}=${python(schedule.params[name])}`);
  return `${schedule.name}(${args.join(", ")})`;
}
