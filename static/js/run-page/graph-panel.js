// The run's real tf.Graph as an SVG, laid out by model/graph-layout.js and coloured by who wrote
// each node, with the nodes an action runs highlighted. Clicking a node asks the session for
// its value.

import { getGraph, getNodeValue } from "../api/client.js";
import { svgElement } from "../lib/dom.js";
import { formatNumber } from "../lib/format.js";
import { t } from "../lib/i18n.js";
import { NODE_HEIGHT, NODE_WIDTH, REGION_PAD, ROW_GAP, layout } from "../model/graph-layout.js";

const MAX_SHOWN_VALUES = 60;

const shortName = (name) => (name.length > 23 ? `…${name.slice(-22)}` : name);

function formatValue(value) {
  const flat = [value].flat(Infinity);
  const shown = flat.slice(0, MAX_SHOWN_VALUES).map((v) => (typeof v === "number" ? formatNumber(v) : String(v)));
  return `[${shown.join(", ")}${flat.length > MAX_SHOWN_VALUES ? ", …" : ""}]`;
}

export class GraphPanel {
  constructor(container, infoBox, runId) {
    this.container = container;
    this.infoBox = infoBox;
    this.runId = runId;
    this.nodes = [];
    this.highlight = "none";
    this.showStepwise = false;
    this.showInitializer = false;
  }

  async load() {
    this.nodes = (await getGraph(this.runId)).nodes;
    this.draw();
  }

  setHighlight(kind) {
    this.highlight = kind;
    const radio = document.querySelector(`input[name="graph-highlight"][value="${kind}"]`);
    if (radio) radio.checked = true;
    this.applyHighlight();
  }

  setShowStepwise(show) {
    this.showStepwise = show;
    this.draw();
  }

  setShowInitializer(show) {
    this.showInitializer = show;
    this.draw();
  }

  shownNodes() {
    return this.nodes.filter(
      (node) =>
        (this.showStepwise || node.origin !== "stepwise") && (this.showInitializer || !node.initializer_only),
    );
  }

  draw() {
    const nodes = this.shownNodes();
    const { position, regions, width, height } = layout(nodes);
    const root = svgElement("svg", { width, height, viewBox: `0 0 ${width} ${height}`, class: "graph" });
    root.append(this.defs());
    for (const region of regions) {
      const box = svgElement("g", { class: `region ${region.origin}` });
      box.append(svgElement("rect", { x: region.x, y: 0, width: region.width, height, rx: 10 }));
      const label = svgElement("text", { x: region.x + REGION_PAD, y: 16, class: "region-label" });
      label.textContent = t(`graph.legend_${region.origin}`);
      box.append(label);
      root.append(box);
    }
    const edges = svgElement("g", { class: "edges" });
    for (const node of nodes) {
      const to = position.get(node.name);
      const link = (from, control) => {
        const start = position.get(from);
        if (!start) return;
        const x1 = start.x + NODE_WIDTH / 2;
        const y1 = start.y + NODE_HEIGHT;
        const x2 = to.x + NODE_WIDTH / 2;
        const y2 = to.y;
        const path = svgElement("path", {
          d: `M${x1},${y1} C${x1},${y1 + ROW_GAP} ${x2},${y2 - ROW_GAP} ${x2},${y2}`,
          class: control ? "edge control" : "edge",
          "marker-end": "url(#arrow)",
          "data-to": node.name,
        });
        edges.append(path);
      };
      node.inputs.forEach((from) => link(from, false));
      node.control_inputs.forEach((from) => link(from, true));
    }
    root.append(edges);
    for (const node of nodes) {
      const { x, y } = position.get(node.name);
      const shown = shortName(node.name);
      // Named by the words it shows, so speech input can say what it sees (WCAG's label in
      // name); the <title>, with the whole name, is its tooltip and its description.
      const group = svgElement("g", {
        class: `node ${node.origin}${node.readable ? "" : " unreadable"}`,
        transform: `translate(${x},${y})`,
        tabindex: "0",
        role: "button",
        "aria-label": `${shown}, ${node.op}`,
        "data-name": node.name,
      });
      const title = svgElement("title");
      title.textContent = `${node.name} (${node.op})`;
      // One text in two lines, so that its name and its op read as two words, not one.
      const text = svgElement("text");
      const label = svgElement("tspan", { x: 8, y: 16, class: "node-name" });
      label.textContent = shown;
      const op = svgElement("tspan", { x: 8, y: 30, class: "node-op" });
      op.textContent = node.op;
      text.append(label, " ", op);
      group.append(title, svgElement("rect", { width: NODE_WIDTH, height: NODE_HEIGHT, rx: 6 }), text);
      group.addEventListener("click", () => this.showValue(node));
      group.addEventListener("keydown", (event) => {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          this.showValue(node);
        }
      });
      root.append(group);
    }
    this.container.replaceChildren(root);
    this.applyHighlight();
  }

  defs() {
    const defs = svgElement("defs");
    const marker = svgElement("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto" });
    marker.append(svgElement("path", { d: "M0,0 L10,5 L0,10 z", class: "arrow-head" }));
    defs.append(marker);
    return defs;
  }

  applyHighlight() {
    const flag = { evaluate: "in_evaluate", step: "in_step" }[this.highlight];
    const lit = new Set(flag ? this.nodes.filter((n) => n[flag]).map((n) => n.name) : []);
    this.container.classList.toggle("highlighting", Boolean(flag));
    for (const group of this.container.querySelectorAll("g.node")) {
      group.classList.toggle("lit", lit.has(group.dataset.name));
    }
    for (const edge of this.container.querySelectorAll("path.edge")) {
      edge.classList.toggle("lit", lit.has(edge.dataset.to));
    }
  }

  async showValue(node) {
    for (const group of this.container.querySelectorAll("g.node")) {
      group.classList.toggle("selected", group.dataset.name === node.name);
    }
    if (!node.readable) {
      // Say why here rather than ask the session for something it will not run.
      this.infoBox.textContent = t(`graph.unreadable.${node.unreadable}`, { name: node.name, op: node.op });
      return;
    }
    this.infoBox.textContent = t("graph.loading", { name: node.name });
    try {
      const reading = await getNodeValue(this.runId, node.name);
      const heading = document.createElement("strong");
      heading.textContent = t("graph.node_value", { name: reading.node, op: reading.op, shape: reading.shape.join(", ") });
      const value = document.createElement("code");
      value.textContent = formatValue(reading.value);
      this.infoBox.replaceChildren(heading, " ", value);
    } catch (error) {
      this.infoBox.textContent = error.message;
    }
  }
}
