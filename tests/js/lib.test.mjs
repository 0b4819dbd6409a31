import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { downsample } from "../../static/js/lib/downsample.js";
import { keepEmbedding } from "../../static/js/lib/embedding.js";
import { readEvents } from "../../static/js/lib/event-stream.js";
import { float32Text, formatCount, formatNumber } from "../../static/js/lib/format.js";
import { t, useMessages } from "../../static/js/lib/i18n.js";

describe("formatNumber", () => {
  const cases = [
    [0, "0"],
    [1, "1"],
    [-3.20171234, "-3.2017"],
    [0.00012345678, "0.00012346"],
    [0.0000123, "1.23e-5"],
    [123456.7, "123460"],
    [5828100000000000, "5.8281e+15"],
    [1e6, "1e+6"],
    [-2.5e-7, "-2.5e-7"],
    [null, "–"],
    [undefined, "–"],
    [Infinity, "–"],
    [NaN, "–"],
  ];
  for (const [value, shown] of cases) {
    test(`${value} reads ${shown}`, () => assert.equal(formatNumber(value), shown));
  }

  test("counts are grouped as the run-length menu writes them", () => {
    assert.equal(formatCount(5000), "5,000");
    assert.equal(formatCount(50), "50");
  });
});

describe("messages", () => {
  test("fill their placeholders, keep unknown ones, and fall back to the key", () => {
    useMessages({ "status.ran": "Ran {n} steps; now at step {step}.", "a.b": "{x} and {y}" });
    assert.equal(t("status.ran", { n: "5,000", step: 51 }), "Ran 5,000 steps; now at step 51.");
    assert.equal(t("a.b", { x: 0 }), "0 and {y}");
    assert.equal(t("no.such.key", { n: 1 }), "no.such.key");
  });
});

describe("downsample", () => {
  test("keeps short lists whole", () => {
    const items = [1, 2, 3];
    assert.equal(downsample(items, 3), items);
  });

  test("keeps the first and the last, evenly spaced", () => {
    const items = Array.from({ length: 101 }, (_, i) => i);
    assert.deepEqual(downsample(items, 5), [0, 25, 50, 75, 100]);
    assert.deepEqual(downsample(items.slice(0, 11), 4), [0, 3, 7, 10], "the nearest, not the one before");
  });
});

describe("readEvents", () => {
  /** A response body that arrives in `chunks`. */
  const body = (chunks) =>
    new ReadableStream({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
        controller.close();
      },
    });

  const read = async (chunks) => {
    const events = [];
    for await (const event of readEvents(body(chunks))) events.push(event);
    return events;
  };

  test("yields each event with its name and data; a comment is skipped", async () => {
    const events = await read([": ping\n\nevent: step\ndata: {\"step\":1}\n\n", "data: plain\n\nevent: end\ndata: {}\n\n"]);
    assert.deepEqual(events, [
      { event: "step", data: '{"step":1}' },
      { event: "message", data: "plain" },
      { event: "end", data: "{}" },
    ]);
  });

  test("joins lines split across chunks, \\r\\n split between its two halves included", async () => {
    const events = await read(["event: st", "ep\r", "\ndata: a\r\ndata:b\r", "\n\r", "\n"]);
    assert.deepEqual(events, [{ event: "step", data: "a\nb" }]);
  });

  test("an event without data, or cut off before its blank line, is not yielded", async () => {
    assert.deepEqual(await read(["event: step\n\n", "data: cut"]), []);
  });
});

describe("keepEmbedding", () => {
  const framed = "http://127.0.0.1:8000/runs/abc?embed=1#owner=x";
  test("a page in a course site's frame keeps embed=1 on the run pages it opens", () => {
    assert.equal(keepEmbedding("/runs/new1", framed), "/runs/new1?embed=1");
    assert.equal(keepEmbedding("/runs/new1?lesson=6", framed), "/runs/new1?lesson=6&embed=1");
    assert.equal(keepEmbedding("/runs/new1#owner=t", framed), "/runs/new1?embed=1#owner=t");
  });
  test("a page not in a frame opens them as they are", () => {
    assert.equal(keepEmbedding("/runs/new1", "http://127.0.0.1:8000/runs/abc"), "/runs/new1");
    assert.equal(keepEmbedding("/runs/new1", "http://127.0.0.1:8000/runs/abc?embed=0"), "/runs/new1");
  });
  test("a full address keeps its origin", () => {
    assert.equal(keepEmbedding("https://elsewhere.example/x", framed), "https://elsewhere.example/x?embed=1");
  });
});

test("a float32 is written as its shortest decimal that holds it", () => {
  assert.equal(float32Text(0.004999999888241291), "0.005");
  assert.equal(float32Text(0.002), "0.002");
  assert.equal(float32Text(0.1), "0.1");
  assert.equal(float32Text(1 / 3), "0.33333334");
  assert.equal(float32Text(0), "0");
});
