// Where each node of the run's tf.Graph goes in the drawing: layered top to bottom so that every
// edge points down, in one region per kind of node (the learner's, minimize()'s, Stepwise's).

export const NODE_WIDTH = 190;
export const NODE_HEIGHT = 36;
const COLUMN_GAP = 14;
export const ROW_GAP = 24;
const ORIGINS = ["learner", "minimize", "stepwise"];
const REGION_GAP = 36;
export const REGION_PAD = 10;
const REGION_LABEL = 22;

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

/**
 * The drawing of `nodes` (as GET /graph lists them): each node's top-left corner by name, the
 * regions {origin, x, width} side by side, and the drawing's size. Rows are shared across
 * regions by depth; within a row, nodes are ordered under their parents.
 */
export function layout(nodes) {
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
