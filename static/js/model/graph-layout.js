// Where each part of the run's tf.Graph goes in the drawing: a layered layout by dagre (the
// library TensorBoard's graph view was built on), top to bottom so the graph grows down the
// panel and fits a phone's width, with expanded groups as frames around their ops.
// Pure: dagre and a way to measure text are passed in, so Node's test runner can run it.

import { uniqueLabels } from "./graph-labels.js";

export const NODE_HEIGHT = 38;
const PAD_X = 8;
/** The header of a frame: its toggle, inside the frame's top edge. */
export const FRAME_HEADER = 24;
const FRAME_PAD = 8;
const MIN_NODE_WIDTH = 64;
/** Room for a closed group's ▸ before its text. */
export const CHEVRON_WIDTH = 12;

/** The label of a group: its scope with a trailing "/", as TensorBoard shows it. */
export const groupName = (path) => `${path}/`;

/**
 * @typedef {object} Box  x, y: top-left corner; width, height.
 * @typedef {object} Drawing
 * @property {Array} items   ops and collapsed groups (foldGroups' items) with their Box and label.
 * @property {Array} frames   expanded groups with their Box and label.
 * @property {Array} edges   foldGroups' edges with `points`, the path dagre routed.
 * @property {number} width
 * @property {number} height
 */

/**
 * Lay out `folded` (what foldGroups gives) with `dagre`.
 * @param {{items: Array, frames: Array, edges: Array}} folded
 * @param {object} options
 * @param {object} options.dagre   the dagre module (its `graphlib` and `layout`).
 * @param {(text: string, kind: "name"|"detail") => number} options.measure   a text's width in px.
 * @param {Map<string, string>} options.labels   each op name and group name (groupName) → label.
 * @param {(item: object) => string} options.detail   an item's second line (op type, op count).
 * @returns {Drawing}
 */
export function layoutGraph(folded, { dagre, measure, labels, detail }) {
  const graph = new dagre.graphlib.Graph({ compound: true, multigraph: false });
  // ranksep leaves half of itself above a frame's first row: room for the frame's header.
  graph.setGraph({ rankdir: "TB", nodesep: 14, edgesep: 6, ranksep: 2 * FRAME_HEADER, marginx: 6, marginy: 6 });
  graph.setDefaultEdgeLabel(() => ({}));
  const labelOf = (item) => labels.get(item.kind === "op" ? item.node.name : groupName(item.group));
  const items = folded.items.map((item) => {
    const label = labelOf(item);
    const text = Math.max(measure(label, "name"), measure(detail(item), "detail"));
    const width = Math.max(MIN_NODE_WIDTH, Math.ceil(text) + 2 * PAD_X + (item.kind === "group" ? CHEVRON_WIDTH : 0));
    return { ...item, label, width, height: NODE_HEIGHT };
  });
  for (const item of items) graph.setNode(item.id, { width: item.width, height: item.height });
  for (const frame of folded.frames) graph.setNode(frame.id, {});
  for (const entry of [...items, ...folded.frames]) if (entry.parent !== null) graph.setParent(entry.id, entry.parent);
  for (const edge of folded.edges) graph.setEdge(edge.from, edge.to);
  dagre.layout(graph);

  const corner = (id) => {
    const { x, y, width, height } = graph.node(id);
    return { x: x - width / 2, y: y - height / 2, width, height };
  };
  const placedItems = items.map((item) => ({ ...item, ...corner(item.id) }));
  const frames = folded.frames.map((frame) => {
    const box = corner(frame.id);
    // dagre fits a frame tightly around its rows; a frame also holds its header.
    const header = measure(labels.get(groupName(frame.group)), "name") + measure(detail(frame), "detail") + 4 * PAD_X + 16;
    return { ...frame, label: labels.get(groupName(frame.group)), ...box, width: Math.max(box.width, header) };
  });
  const edges = folded.edges.map((edge) => ({ ...edge, points: graph.edge(edge.from, edge.to).points }));
  const right = Math.max(0, ...[...placedItems, ...frames].map((box) => box.x + box.width));
  const bottom = Math.max(0, ...[...placedItems, ...frames].map((box) => box.y + box.height));
  return { items: placedItems, frames, edges, width: Math.ceil(right + FRAME_PAD), height: Math.ceil(bottom + FRAME_PAD) };
}

/** Labels for every op and group of `nodes` and `groups` (scopeGroups' groups), all distinct. */
export const graphLabels = (nodes, groups) =>
  uniqueLabels([...nodes.map((node) => node.name), ...[...groups.keys()].map(groupName)]);

/**
 * An SVG path through dagre's `points`: a cubic B-spline, as d3's curveBasis draws it for
 * dagre-d3 and TensorBoard, so edges bend smoothly around the nodes.
 */
export function edgePath(points) {
  if (points.length < 2) return "";
  const at = (x, y) => `${Math.round(x * 10) / 10},${Math.round(y * 10) / 10}`;
  let [x0, y0, x1, y1] = [points[0].x, points[0].y, points[1].x, points[1].y];
  let d = `M${at(x0, y0)}`;
  if (points.length === 2) return `${d}L${at(x1, y1)}`;
  const curve = (x, y) => {
    d += `C${at((2 * x0 + x1) / 3, (2 * y0 + y1) / 3)} ${at((x0 + 2 * x1) / 3, (y0 + 2 * y1) / 3)} ${at((x0 + 4 * x1 + x) / 6, (y0 + 4 * y1 + y) / 6)}`;
  };
  d += `L${at((5 * x0 + x1) / 6, (5 * y0 + y1) / 6)}`;
  for (const { x, y } of points.slice(2)) {
    curve(x, y);
    [x0, y0, x1, y1] = [x1, y1, x, y];
  }
  curve(x1, y1);
  return `${d}L${at(x1, y1)}`;
}
