// How a run's settings are written out (facts, compare table) and asked for again (retries).
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { useMessages } from "../../static/js/lib/i18n.js";
import { assignmentLink, usesRecipe } from "../../static/js/model/assignment-link.js";
import { specAtPeakRate, specLike } from "../../static/js/model/run-spec.js";
import {
  optimizerCall,
  optimizerClass,
  optimizerParams,
  pointsSummary,
  scheduleCall,
  shortSettings,
} from "../../static/js/model/run-summary.js";
import { run } from "./fixtures.mjs";

useMessages({
  "facts.points_custom": "{n} of your own",
  "facts.points_recipe": "{n}, seed {seed}, noise {noise}",
  "facts.points_preset": "{n}, {preset}",
  "newrun.preset_outlier": "a line with an outlier",
});

const CLASSES = { adam: "AdamOptimizer", momentum: "MomentumOptimizer", gradient_descent: "GradientDescentOptimizer" };

describe("a run's summary", () => {
  test("the optimizer as the run's code constructs it, booleans as Python writes them", () => {
    const config = {
      optimizer_class: "MomentumOptimizer",
      learning_rate: 0.01,
      optimizer_params: { momentum: 0.9, use_nesterov: true },
    };
    assert.equal(optimizerCall(config), "MomentumOptimizer(0.01, momentum=0.9, use_nesterov=True)");
    assert.equal(optimizerCall({ ...config, optimizer_params: {} }), "MomentumOptimizer(0.01)");
  });

  test("a schedule as the run's code calls it", () => {
    const schedule = { name: "piecewise_constant", params: { boundaries: [10, 20], values: [0.1, 0.01, 0.001] } };
    assert.equal(scheduleCall(schedule), "piecewise_constant(boundaries=[10, 20], values=[0.1, 0.01, 0.001])");
    const decay = { name: "exponential_decay", params: { decay_rate: 0.5, decay_steps: 5, staircase: true } };
    assert.equal(scheduleCall(decay), "exponential_decay(decay_steps=5, decay_rate=0.5, staircase=True)", "TF's order, not the JSON's");
  });

  test("the parameters as the compare table writes them", () => {
    const config = { optimizer_params: { beta1: 0.9, epsilon: 1e-8, amsgrad: false } };
    assert.equal(optimizerParams(config), "beta1=0.9, epsilon=1e-8, amsgrad=False");
    assert.equal(optimizerParams({ optimizer_params: {} }), "");
  });

  test("the class and the short settings", () => {
    assert.equal(optimizerClass({ optimizer: "adam" }, CLASSES), "AdamOptimizer");
    assert.equal(optimizerClass({ optimizer: "sgd_v9" }, CLASSES), "sgd_v9");
    assert.equal(shortSettings({ optimizer: "gradient_descent", learning_rate: 0.006 }, CLASSES), "GradientDescent · lr 0.006");
    assert.equal(shortSettings({ optimizer: "adam", learning_rate: 0.1 }, CLASSES), "Adam · lr 0.1");
    const cosine = { name: "cosine_decay", params: { decay_steps: 9, alpha: 0 } };
    assert.equal(
      shortSettings({ optimizer: "adam", learning_rate: 0.1, learning_rate_schedule: cosine }, CLASSES),
      "Adam · lr 0.1 (cosine_decay)",
    );
  });

  test("the points: the recipe's, or the learner's own", () => {
    assert.equal(pointsSummary(run().config), "3, seed 7, noise 0.5");
    assert.equal(pointsSummary({ custom_points: true, num_points: 4 }), "4 of your own");
  });

  test("a preset's points are called by the preset's name, not given by hand", () => {
    const config = { custom_points: true, num_points: 9, preset: "outlier" };
    assert.equal(pointsSummary(config), "9, a line with an outlier");
    assert.equal(pointsSummary({ ...config, preset: "sample", custom_points: false, seed: 1, noise: 2 }), "9, seed 1, noise 2");
  });
});

describe("a new run like an existing one", () => {
  test("the recipe's points, the same seed and settings, and the changes asked for", () => {
    const spec = specLike(run({ config: { batch_size: 2 } }), { learning_rate: 0.025, based_on: "run-a" });
    assert.deepEqual(spec, {
      learning_rate: 0.025,
      learning_rate_schedule: null,
      seed: 7,
      num_points: 3,
      noise: 0.5,
      x_range: [-1, 1],
      optimizer: { name: "gradient_descent" },
      loss: "l2_loss",
      batch_size: 2,
      based_on: "run-a",
    });
  });

  test("a preset by name, the learner's own points as points, chosen weights as they were", () => {
    const preset = run({ config: { custom_points: true, preset: "outlier" } });
    assert.deepEqual(specLike(preset).preset, "outlier");
    const own = run({ config: { custom_points: true, custom_initial_weights: true }, initial_weights: { b: 1, m: 2 } });
    const spec = specLike(own);
    assert.deepEqual(spec.points, [{ x: -1, y: -2 }, { x: 0, y: 0 }, { x: 1, y: 2 }]);
    assert.equal(spec.num_points, undefined);
    assert.deepEqual(spec.initial_weights, { b: 1, m: 2 });
    assert.equal(specLike(run()).initial_weights, undefined, "the seed draws the same weights");
  });

  test("a retry at a peak rate scales a schedule so that its largest rate is that one", () => {
    // Once the retry set the first rate to the peak and a rising schedule's later ones past it.
    const rising = { name: "piecewise_constant", params: { boundaries: [10], values: [0.002, 0.01] } };
    const retry = specAtPeakRate(run({ config: { learning_rate: 0.002, learning_rate_schedule: rising } }), 0.0032);
    assert.equal(retry.learning_rate, 0.00064);
    assert.deepEqual(retry.learning_rate_schedule.values, [0.00064, 0.0032]);
    const upward = { name: "polynomial_decay", params: { decay_steps: 10, end_learning_rate: 0.02, power: 1 } };
    const polynomial = specAtPeakRate(run({ config: { learning_rate: 0.01, learning_rate_schedule: upward } }), 0.004);
    assert.equal(polynomial.learning_rate, 0.002);
    assert.equal(polynomial.learning_rate_schedule.end_learning_rate, 0.004);
    const decay = { name: "exponential_decay", params: { decay_steps: 5, decay_rate: 0.5, staircase: false } };
    const decaying = specAtPeakRate(run({ config: { learning_rate: 0.1, learning_rate_schedule: decay } }), 0.025, { based_on: "a" });
    assert.equal(decaying.learning_rate, 0.025);
    assert.equal(decaying.based_on, "a");
    assert.equal(specAtPeakRate(run({ config: { learning_rate: 0.1 } }), 0.025).learning_rate, 0.025);
  });

  test("the schedule goes along; a piecewise one's rates scale with a new learning rate", () => {
    const decay = { name: "exponential_decay", params: { decay_steps: 5, decay_rate: 0.5, staircase: true } };
    const exponential = specLike(run({ config: { learning_rate: 0.1, learning_rate_schedule: decay } }), { learning_rate: 0.05 });
    assert.deepEqual(exponential.learning_rate_schedule, { name: "exponential_decay", decay_steps: 5, decay_rate: 0.5, staircase: true });
    const pieces = { name: "piecewise_constant", params: { boundaries: [10], values: [0.1, 0.02] } };
    const retry = specLike(run({ config: { learning_rate: 0.1, learning_rate_schedule: pieces } }), { learning_rate: 0.05 });
    assert.deepEqual(retry.learning_rate_schedule, { name: "piecewise_constant", boundaries: [10], values: [0.05, 0.01] });
  });

  test("the optimizer with its parameters, the loss and the batches", () => {
    const adam = run({ config: { optimizer: "adam", optimizer_params: { beta1: 0.8 }, loss: "mean_squared_error", batch_size: 2 } });
    const spec = specLike(adam);
    assert.deepEqual([spec.optimizer, spec.loss, spec.batch_size], [{ name: "adam", beta1: 0.8 }, "mean_squared_error", 2]);
  });
});

describe("the assignment link", () => {
  test("the settings given, then the locks, commas readable", () => {
    const fields = [
      ["lr", " 0.01 "],
      ["optimizer", "adam"],
      ["seed", ""],
    ];
    assert.equal(
      assignmentLink("https://class.example", fields, ["lr", "optimizer"]),
      "https://class.example/new?lr=0.01&optimizer=adam&lock=lr,optimizer",
    );
  });

  test("a blank form is the plain new-run link", () => {
    assert.equal(assignmentLink("http://h", [["lr", "  "]], []), "http://h/new");
  });

  test("a preset's link leaves out the recipe's settings, which the preset would override", () => {
    const fields = [
      ["preset", "outlier"],
      ["num_points", "20"],
      ["noise", "0.5"],
      ["seed", "3"],
    ];
    assert.equal(usesRecipe(fields), false);
    assert.equal(assignmentLink("http://h", fields, ["data"]), "http://h/new?preset=outlier&seed=3&lock=data");
    // Without a preset (or with the sample's own recipe) they are the data's settings.
    const recipe = [["preset", ""], ["num_points", "20"]];
    assert.equal(usesRecipe(recipe), true);
    assert.equal(assignmentLink("http://h", recipe, []), "http://h/new?num_points=20");
    assert.equal(assignmentLink("http://h", [["preset", "sample"], ["noise", "0"]], []), "http://h/new?preset=sample&noise=0");
  });
});
