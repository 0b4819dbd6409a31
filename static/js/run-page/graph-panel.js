// The run's real tf.Graph as an SVG: grouped by name scope (model/graph-scopes.js), laid out
// by dagre (model/graph-layout.js), coloured by who wrote each node, with the nodes an action
// runs highlighted. A group opens and closes with a click, Enter or Space; clicking an op asks
// the session for its value.

import { getGraph, getNodeValue } from "../api/client.js";
import { svgElement } from "../lib/dom.js";
import { formatNumber } from "../lib/format.js";
import { t } from "../lib/i18n.js";
import { CHEVRON_WIDTH, FRAME_HEADER, edgePath, graphLabels, groupName, layoutGraph } from "../model/graph-layout.js";
import { foldGroups, initiallyCollapsed, scopeGroups } from "../model/graph-scopes.js";
import { loadDagre } from "./dagre-loader.js";

const MAX_SHOWN_VALUES = 60;
const HEADER_HEIGHT = FRAME_HEADER - 4;
// The update stays this far inside the panel's edges when it is scrolled into view.
const VIEW_MARGIN = 16;

function formatValue(value) {
  const flat = [value].flat(Infinity);
  const shown = flat.slice(0, MAX_SHOWN_VALUES).map((v) => (typeof v === "number" ? formatNumber(v) : String(v)));
  return `[${shown.join(", ")}${flat.length > MAX_SHOWN_VALUES ? ", …" : ""}]`;
}

/** A width in px for each text, as the page's font draws the graph's two kinds of text. */
function textMeasurer(container) {
  const context = document.createElement("canvas").getContext("2d");
  const family = getComputedStyle(container).fontFamily;
  const fonts = { name: `600 12px ${family}`, detail: `11px ${family}` };
  return (text, kind) => {
    context.font = fonts[kind];
    return context.measureText(text).width;
  };
}

/** A ▸ (closed) or ▾ (open) drawn at (x, y), so that it is not read as part of the name. */
function chevron(x, y, open) {
  const d = open ? `M${x},${y - 3} l8,0 l-4,6 z` : `M${x + 1},${y - 4} l6,4 l-6,4 z`;
  return svgElement("path", { d, class: "chevron", "aria-hidden": "true" });
}

/** Two lines of text, `name` over `detail`, as one text so they read as two words. */
function twoLines(x, name, detail) {
  const text = svgElement("text");
  const top = svgElement("tspan", { x, y: 16, class: "node-name" });
  top.textContent = name;
  const bottom = svgElement("tspan", { x, y: 31, class: "node-op" });
  bottom.textContent = detail;
  text.append(top, " ", bottom);
  return text;
}

const litTokens = (lit) => Object.keys(lit).filter((action) => lit[action]).join(" ");

export class GraphPanel {
  constructor(container, infoBox, runId) {
    this.container = container;
    this.infoBox = infoBox;
    this.runId = runId;
    this.nodes = [];
    this.highlight = "none";
    this.showStepwise = false;
    this.showInitializer = false;
    this.collapsed = new Set();
    this.dagre = null;
    this.selected = null; // The op whose value the box below shows.
    this.loading = null;
  }

  /** Fetch the graph and lay it out, once however often it is asked (it comes near the
   * screen, the lesson highlights its ops). */
  load() {
    this.loading ??= this.fetchAndLayOut();
    return this.loading;
  }

  async fetchAndLayOut() {
    // Both at once; the nodes are kept even when the layout library cannot load.
    const dagre = loadDagre(this.container.dataset.layoutSrc);
    dagre.catch(() => {}); // Handled below, once the nodes are in.
    this.nodes = (await getGraph(this.runId)).nodes;
    try {
      this.dagre = await dagre;
    } catch (error) {
      // Said in the panel, where the graph would be: the rest of the page works without it.
      const message = Object.assign(document.createElement("p"), { className: "graph-missing", textContent: t("graph.layout_missing") });
      this.container.replaceChildren(message);
      console.error(error);
      return;
    }
    this.measure = textMeasurer(this.container);
    this.collapsed = initiallyCollapsed(this.nodes, scopeGroups(this.nodes).groups);
    this.draw();
    this.showUpdate();
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

  /** Lay the graph out again, as it is now (which ops are shown, which groups are open). */
  draw() {
    if (!this.dagre) return;
    const nodes = this.shownNodes();
    const scopes = scopeGroups(nodes);
    const labels = graphLabels(nodes, scopes.groups);
    const folded = foldGroups(nodes, scopes, this.collapsed);
    this.drawing = layoutGraph(folded, {
      dagre: this.dagre,
      measure: this.measure,
      labels,
      detail: (item) => (item.kind === "op" ? item.node.op : t("graph.group_ops", { count: item.count })),
    });
    const { width, height, items, frames, edges } = this.drawing;
    const root = svgElement("svg", { width, height, viewBox: `0 0 ${width} ${height}`, class: "graph" });
    root.append(this.defs());
    // Outer frames first, so inner ones are drawn over them.
    const framesLayer = svgElement("g", { class: "frames", "aria-hidden": "true" });
    for (const frame of frames) {
      framesLayer.append(svgElement("rect", { class: `frame ${frame.origin}`, x: frame.x, y: frame.y, width: frame.width, height: frame.height, rx: 10 }));
    }
    const edgesLayer = svgElement("g", { class: "edges", "aria-hidden": "true" });
    for (const edge of edges) {
      edgesLayer.append(
        svgElement("path", {
          d: edgePath(edge.points),
          class: edge.control ? "edge control" : "edge",
          "marker-end": "url(#arrow)",
          "data-lit": litTokens(edge.lit),
        }),
      );
    }
    // Controls in reading order (top to bottom, then left to right), which Tab follows.
    const controls = [
      ...frames.map((frame) => ({ x: frame.x, y: frame.y, element: () => this.frameToggle(frame) })),
      ...items.map((item) => ({ x: item.x, y: item.y, element: () => (item.kind === "op" ? this.opNode(item) : this.groupNode(item)) })),
    ].sort((a, b) => a.y - b.y || a.x - b.x);
    const controlsLayer = svgElement("g", { class: "controls" });
    controlsLayer.append(...controls.map((control) => control.element()));
    root.append(framesLayer, edgesLayer, controlsLayer);
    this.container.replaceChildren(root);
    this.markSelected();
    this.applyHighlight();
  }

  opNode(item) {
    const { node, label, x, y, width, height } = item;
    const cut = label !== node.name;
    const role = node.role ? ` ${node.role}` : "";
    // Named by the words it shows, so speech input can say what it sees (WCAG's label in
    // name), then by its whole name when the label is cut; the <title> is its tooltip and
    // its description: the whole name, who wrote it, what it is for.
    const group = svgElement("g", {
      class: `node ${node.origin}${node.readable ? "" : " unreadable"}${role}`,
      transform: `translate(${x},${y})`,
      tabindex: "0",
      role: "button",
      "aria-label": `${label} ${node.op}${cut ? `, ${node.name}` : ""}`,
      "data-name": node.name,
      "data-lit": litTokens(item.lit),
    });
    const title = svgElement("title");
    title.textContent = [`${node.name} (${node.op})`, t(`graph.legend_${node.origin}`), node.role ? this.roleNote(node) : ""]
      .filter(Boolean)
      .join(" · ");
    group.append(title, svgElement("rect", { width, height, rx: 6 }), twoLines(8, label, node.op));
    group.addEventListener("click", () => this.showValue(node));
    group.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        this.showValue(node);
      }
    });
    return group;
  }

  /** A collapsed group: one box for all its ops, which opens it. */
  groupNode(item) {
    const { label, x, y, width, height, count, origin } = item;
    const ops = t("graph.group_ops", { count });
    const button = this.toggle(item.group, false, `${label} ${ops}`, label, count, {
      class: `group-node ${origin}${item.holdsUpdate ? " update" : ""}`,
      transform: `translate(${x},${y})`,
      "data-lit": litTokens(item.lit),
    });
    // A second box behind the first: this one stands for several ops.
    button.append(
      svgElement("rect", { class: "stack", x: 3, y: 3, width, height, rx: 6, "aria-hidden": "true" }),
      svgElement("rect", { width, height, rx: 6 }),
      chevron(8, 12, false),
      twoLines(8 + CHEVRON_WIDTH, label, ops),
    );
    return button;
  }

  /** The header of an open group's frame, which closes it. */
  frameToggle(frame) {
    const ops = t("graph.group_ops", { count: frame.count });
    const nameWidth = this.measure(frame.label, "name");
    const width = Math.ceil(nameWidth + this.measure(ops, "detail") + 40);
    const button = this.toggle(frame.group, true, `${frame.label} ${ops}`, frame.label, frame.count, {
      class: `frame-toggle ${frame.origin}`,
      transform: `translate(${frame.x + 4},${frame.y + 2})`,
    });
    const text = svgElement("text");
    const name = svgElement("tspan", { x: 20, y: 14, class: "node-name" });
    name.textContent = frame.label;
    const detail = svgElement("tspan", { x: Math.ceil(20 + nameWidth + 8), y: 14, class: "node-op" });
    detail.textContent = ops;
    text.append(name, " ", detail);
    button.append(svgElement("rect", { width, height: HEADER_HEIGHT, rx: 5 }), chevron(8, 10, true), text);
    return button;
  }

  toggle(path, open, name, label, count, attributes) {
    const button = svgElement("g", {
      ...attributes,
      tabindex: "0",
      role: "button",
      "aria-expanded": String(open),
      "aria-label": name,
      "data-group": path,
    });
    const title = svgElement("title");
    const params = { name: groupName(path), count };
    title.textContent = open ? t("graph.group_open", params) : t("graph.group_closed", params);
    button.prepend(title);
    const act = () => this.toggleGroup(path, button);
    button.addEventListener("click", act);
    button.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        act();
      }
    });
    return button;
  }

  /** Open or close a group, and lay the graph out again around it, keeping it in place. */
  toggleGroup(path, button) {
    const hadFocus = button.contains(document.activeElement) || document.activeElement === button;
    const before = button.getBoundingClientRect();
    if (this.collapsed.has(path)) this.collapsed.delete(path);
    else this.collapsed.add(path);
    this.draw();
    const after = this.container.querySelector(`[data-group="${CSS.escape(path)}"]`);
    if (!after) return;
    // The same control, where it was on screen, so the view does not jump under the pointer.
    const moved = after.getBoundingClientRect();
    this.container.scrollLeft += moved.left - before.left;
    this.container.scrollTop += moved.top - before.top;
    this.keepInView(after);
    if (hadFocus) after.focus({ preventScroll: true });
  }

  /** Scroll the panel, no more than needed, so all of `element` shows (its start if too big). */
  keepInView(element) {
    const view = this.container.getBoundingClientRect();
    const box = element.getBoundingClientRect();
    const shift = (start, end, viewStart, viewSize) => {
      if (start < viewStart) return start - viewStart - VIEW_MARGIN;
      const over = end - (viewStart + viewSize);
      return over > 0 ? Math.min(over + VIEW_MARGIN, start - viewStart) : 0;
    };
    this.container.scrollLeft += shift(box.left, box.right, view.left, this.container.clientWidth);
    this.container.scrollTop += shift(box.top, box.bottom, view.top, this.container.clientHeight);
  }

  /** Scroll the panel so the update (or the closed group that holds it) is in view. */
  showUpdate() {
    const update =
      this.drawing?.items.find((item) => item.kind === "op" && item.node.role === "update") ??
      this.drawing?.items.find((item) => item.holdsUpdate);
    if (!update) return;
    const { clientWidth, clientHeight } = this.container;
    // As far down as keeps the update in view, so what leads to it shows above it.
    this.container.scrollTop = update.y + update.height + VIEW_MARGIN - clientHeight;
    this.container.scrollLeft = update.x + update.width / 2 - clientWidth / 2;
  }

  roleNote(node) {
    return t(`graph.role.${node.role}`, { name: node.name });
  }

  defs() {
    const defs = svgElement("defs");
    const marker = svgElement("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto" });
    marker.append(svgElement("path", { d: "M0,0 L10,5 L0,10 z", class: "arrow-head" }));
    defs.append(marker);
    return defs;
  }

  applyHighlight() {
    const on = this.highlight === "evaluate" || this.highlight === "step";
    this.container.classList.toggle("highlighting", on);
    for (const element of this.container.querySelectorAll("[data-lit]")) {
      element.classList.toggle("lit", on && element.dataset.lit.split(" ").includes(this.highlight));
    }
  }

  markSelected() {
    for (const group of this.container.querySelectorAll("g.node")) {
      group.classList.toggle("selected", group.dataset.name === this.selected);
    }
  }

  async showValue(node) {
    this.selected = node.name;
    this.markSelected();
    const note = node.role ? `${this.roleNote(node)} ` : "";
    if (!node.readable) {
      // Say why here rather than ask the session for something it will not run.
      this.infoBox.textContent = note + t(`graph.unreadable.${node.unreadable}`, { name: node.name, op: node.op });
      return;
    }
    this.infoBox.textContent = t("graph.loading", { name: node.name });
    try {
      const reading = await getNodeValue(this.runId, node.name);
      const heading = document.createElement("strong");
      heading.textContent = t("graph.node_value", { name: reading.node, op: reading.op, shape: reading.shape.join(", ") });
      const value = document.createElement("code");
      value.textContent = formatValue(reading.value);
      this.infoBox.replaceChildren(note, heading, " ", value);
    } catch (error) {
      this.infoBox.textContent = error.message;
    }
  }
}
