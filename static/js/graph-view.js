// The run's real tf.Graph as an SVG: layered top to bottom, coloured by who wrote each node,
// with the nodes an action runs highlighted. Clicking a node asks the session for its value.

import { getGraph, getNodeValue } from "./api.js";
import { formatNumber } from "./format.js";
import { t } from "./i18n.js";

const SVG = "http://www.w3.org/2000/svg";
const NODE_WIDTH = 190;
const NODE_HEIGHT = 36;
const COLUMN_GAP = 14;
const ROW_GAP = 24;
const MAX_SHOWN_VALUES = 60;

function svg(tag, attributes = {}) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}

const parentsOf = (node, byName) => [...node.inputs, ...node.control_inputs].filter((name) => byName.has(name));

/**
 * Rows so that every edge points downwards: longest path from the sources, then each source
 * pulled down to just above its first consumer, so constants sit next to the op that uses them.
 */
function depths(nodes, byName) {
  const depth = new Map();
  const visit = (node) => {
    if (depth.has(node.name)) return depth.get(node.name);
    depth.set(node.name, 0); // Guards against a cycle, which a tf.Graph cannot have.
    const parents = parentsOf(node, byName);
    const d = parents.length ? 1 + Math.max(...parents.map((name) => visit(byName.get(name)))) : 0;
    depth.set(node.name, d);
    return d;
  };
  nodes.forEach(visit);
  const children = new Map(nodes.map((n) => [n.name, []]));
  for (const node of nodes) for (const parent of parentsOf(node, byName)) children.get(parent).push(node.name);
  for (const node of nodes) {
    const below = children.get(node.name).map((name) => depth.get(name));
    if (!parentsOf(node, byName).length && below.length) depth.set(node.name, Math.min(...below) - 1);
  }
  return depth;
}

const ORIGINS = ["learner", "minimize", "stepwise"];
const REGION_GAP = 36;
const REGION_PAD = 10;
const REGION_LABEL = 22;

/**
 * One region per kind of node (the learner's, minimize()'s, Stepwise's), side by side; rows
 * shared across regions by depth. Within a row, nodes are ordered under their parents.
 */
function layout(nodes) {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const depth = depths(nodes, byName);
  const rowCount = Math.max(0, ...nodes.map((n) => depth.get(n.name))) + 1;
  const position = new Map();
  const regions = [];
  let left = 0;
  for (const origin of ORIGINS) {
    const members = nodes.filter((n) => n.origin === origin);
    if (!members.length) continue;
    let columns = 0;
    for (let row = 0; row < rowCount; row += 1) {
      const centre = (node) => {
        const xs = parentsOf(node, byName).map((name) => position.get(name)?.x).filter((x) => x !== undefined);
        return xs.length ? xs.reduce((sum, x) => sum + x, 0) / xs.length : Infinity;
      };
      const inRow = members.filter((n) => depth.get(n.name) === row);
      inRow.sort((a, b) => centre(a) - centre(b) || a.name.localeCompare(b.name));
      inRow.forEach((node, column) => {
        position.set(node.name, {
          x: left + REGION_PAD + column * (NODE_WIDTH + COLUMN_GAP),
          y: REGION_LABEL + REGION_PAD + row * (NODE_HEIGHT + ROW_GAP),
        });
      });
      columns = Math.max(columns, inRow.length);
    }
    const width = 2 * REGION_PAD + columns * (NODE_WIDTH + COLUMN_GAP) - COLUMN_GAP;
    regions.push({ origin, x: left, width });
    left += width + REGION_GAP;
  }
  const height = REGION_LABEL + 2 * REGION_PAD + rowCount * (NODE_HEIGHT + ROW_GAP);
  return { position, regions, width: Math.max(0, left - REGION_GAP), height };
}

const shortName = (name) => (name.length > 23 ? `…${name.slice(-22)}` : name);

function formatValue(value) {
  const flat = [value].flat(Infinity);
  const shown = flat.slice(0, MAX_SHOWN_VALUES).map((v) => (typeof v === "number" ? formatNumber(v) : String(v)));
  return `[${shown.join(", ")}${flat.length > MAX_SHOWN_VALUES ? ", …" : ""}]`;
}

export class GraphView {
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
    const root = svg("svg", { width, height, viewBox: `0 0 ${width} ${height}`, class: "graph" });
    root.append(this.defs());
    for (const region of regions) {
      const box = svg("g", { class: `region ${region.origin}` });
      box.append(svg("rect", { x: region.x, y: 0, width: region.width, height, rx: 10 }));
      const label = svg("text", { x: region.x + REGION_PAD, y: 16, class: "region-label" });
      label.textContent = t(`graph.legend_${region.origin}`);
      box.append(label);
      root.append(box);
    }
    const edges = svg("g", { class: "edges" });
    for (const node of nodes) {
      const to = position.get(node.name);
      const link = (from, control) => {
        const start = position.get(from);
        if (!start) return;
        const x1 = start.x + NODE_WIDTH / 2;
        const y1 = start.y + NODE_HEIGHT;
        const x2 = to.x + NODE_WIDTH / 2;
        const y2 = to.y;
        const path = svg("path", {
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
      const group = svg("g", {
        class: `node ${node.origin}${node.readable ? "" : " unreadable"}`,
        transform: `translate(${x},${y})`,
        tabindex: "0",
        role: "button",
        "aria-label": `${node.name} (${node.op})`,
        "data-name": node.name,
      });
      const title = svg("title");
      title.textContent = `${node.name} (${node.op})`;
      const label = svg("text", { x: 8, y: 16, class: "node-name" });
      label.textContent = shortName(node.name);
      const op = svg("text", { x: 8, y: 30, class: "node-op" });
      op.textContent = node.op;
      group.append(title, svg("rect", { width: NODE_WIDTH, height: NODE_HEIGHT, rx: 6 }), label, op);
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
    const defs = svg("defs");
    const marker = svg("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto" });
    marker.append(svg("path", { d: "M0,0 L10,5 L0,10 z", class: "arrow-head" }));
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
