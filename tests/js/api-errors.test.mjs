import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";

import { ApiError, errorMessage } from "../../static/js/api/client.js";
import { useMessages } from "../../static/js/lib/i18n.js";

describe("errors the server answered with", () => {
  afterEach(() => useMessages({}));

  test("are said in the page's language from their code and parameters", () => {
    useMessages({ "error.run_diverged": "这次训练在第 {step} 步发散了" });
    const error = new ApiError(409, "this run diverged at step 12 (…)", "run_diverged", { step: 12 });
    assert.equal(error.message, "这次训练在第 12 步发散了");
    assert.equal(error.status, 409);
    assert.equal(error.code, "run_diverged");
  });

  test("keep the server's own words for a code the page does not know, or none", () => {
    useMessages({ "error.run_diverged": "diverged at {step}" });
    assert.equal(errorMessage("the server's detail", "a_new_code", {}), "the server's detail");
    assert.equal(errorMessage("the server's detail", null), "the server's detail");
    assert.equal(new ApiError(0, "unreachable").message, "unreachable");
  });
});
