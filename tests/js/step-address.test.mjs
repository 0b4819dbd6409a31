import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { addressAt, linkedStep, stepLink } from "../../static/js/model/step-address.js";

describe("the step a link asks for", () => {
  test("no ?step= opens the last step", () => {
    assert.deepEqual(linkedStep("", 12), { step: 12, asked: null, valid: true });
    assert.deepEqual(linkedStep("?lang=zh", 12), { step: 12, asked: null, valid: true });
  });

  test("a whole number from 0 to the last step opens that step", () => {
    assert.deepEqual(linkedStep("?step=0", 12), { step: 0, asked: "0", valid: true });
    assert.deepEqual(linkedStep("?lang=en&step=12", 12), { step: 12, asked: "12", valid: true });
  });

  for (const asked of ["13", "-1", "1.5", "", "abc", "1e2", " 3"]) {
    test(`?step=${asked} is not a step of the run: the last step, and a complaint`, () => {
      const search = `?${new URLSearchParams({ step: asked })}`;
      assert.deepEqual(linkedStep(search, 12), { step: 12, asked, valid: false });
    });
  }
});

describe("links to a step", () => {
  test("the share link points at a step, or at the run", () => {
    assert.equal(stepLink("/runs/a1", "https://class.example", 7), "https://class.example/runs/a1?step=7");
    assert.equal(stepLink("/runs/a1", "https://class.example", null), "https://class.example/runs/a1");
    assert.equal(stepLink("/runs/a1", "https://class.example", 0), "https://class.example/runs/a1?step=0");
  });

  test("the address bar names the step shown, and keeps the other parameters", () => {
    assert.equal(addressAt("http://h/runs/a1?lang=zh", 3), "http://h/runs/a1?lang=zh&step=3");
    assert.equal(addressAt("http://h/runs/a1?step=3&lang=zh", 4), "http://h/runs/a1?step=4&lang=zh");
    assert.equal(addressAt("http://h/runs/a1?step=3&lang=zh", null), "http://h/runs/a1?lang=zh");
    assert.equal(addressAt("http://h/runs/a1#x", null), "http://h/runs/a1#x");
  });
});
