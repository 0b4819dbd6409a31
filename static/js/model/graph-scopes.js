// The graph's nodes grouped by name scope, as TensorBoard groups them: `gradients/…` is one
// group, `gradients/yhat_grad/…` one inside it. A collapsed group is drawn as one box standing
// for all its ops; an expanded one as a frame around them. Pure: no DOM, no layout.

/** A scope holding fewer ops than this is not worth a frame of its own. */
export const MIN_GROUP_SIZE = 3;

/** The scopes `name` lies in, outermost first: "a/b/c" → ["a", "a/b"]. */
function scopesOf(name) {
  const parts = name.split("/");
  return parts.slice(1).map((_, i) => parts.slice(0, i + 1).join("/"));
}

/** Whether the op `name` belongs to the scope `path`; the op named as the scope itself does. */
const within = (name, path) => name === path || name.startsWith(`${path}/`);

/**
 * @typedef {object} Group
 * @property {string} path   The scope, e.g. "gradients/yhat_grad".
 * @property {string|null} parent   The path of the group it lies in, if any.
 * @property {string[]} members   Every op inside it, at any depth.
 * @property {string} origin   Its ops' origin when they share one, else "mixed".
 */

/**
 * The groups among `nodes` (as GET /graph lists them) and, for each op, the innermost group it
 * lies in. A scope is a group when it holds at least MIN_GROUP_SIZE ops, one of them inside it
 * (not only the op named as the scope), and more ops than the group it lies in would without it.
 * @returns {{groups: Map<string, Group>, groupOf: Map<string, string|null>}}
 */
export function scopeGroups(nodes) {
  const members = new Map();
  for (const node of nodes) {
    for (const path of scopesOf(node.name)) members.set(path, [...(members.get(path) ?? []), node.name]);
  }
  const names = new Set(nodes.map((node) => node.name));
  for (const [path, inside] of members) if (names.has(path)) inside.unshift(path);
  const origins = new Map(nodes.map((node) => [node.name, node.origin]));
  const groups = new Map();
  // Outermost first, so each group's parent is known before it.
  const paths = [...members.keys()].sort((a, b) => a.split("/").length - b.split("/").length || a.localeCompare(b));
  for (const path of paths) {
    const inside = members.get(path);
    if (inside.length < MIN_GROUP_SIZE) continue;
    const parent = scopesOf(path).reverse().find((scope) => groups.has(scope)) ?? null;
    // A group with every op of its parent adds a frame and nothing else.
    if (parent !== null && groups.get(parent).members.length === inside.length) continue;
    const kinds = new Set(inside.map((name) => origins.get(name)));
    groups.set(path, { path, parent, members: inside, origin: kinds.size === 1 ? [...kinds][0] : "mixed" });
  }
  const groupOf = new Map();
  for (const node of nodes) {
    const holders = [...scopesOf(node.name), node.name].filter((path) => groups.has(path) && within(node.name, path));
    groupOf.set(node.name, holders.at(-1) ?? null);
  }
  return { groups, groupOf };
}

/**
 * The groups drawn collapsed at first: every outer group but the one that holds the update
 * (the op `update_weights.run()` exists for). So the first view is the sample's program,
 * a box for each call that made several ops (`weights/`, minimize()'s `gradients/`), and the
 * update with what feeds it, small enough to read; groups inside groups start open.
 * @returns {Set<string>}
 */
export function initiallyCollapsed(nodes, groups) {
  const updates = new Set(nodes.filter((node) => node.role === "update").map((node) => node.name));
  const collapsed = new Set();
  for (const group of groups.values()) {
    if (group.parent === null && !group.members.some((name) => updates.has(name))) collapsed.add(group.path);
  }
  return collapsed;
}

/**
 * What is drawn with `collapsed` groups closed: each op outside them, each collapsed group as
 * one item, each expanded group as a frame (`parent`: the frame an item or frame is drawn in),
 * and the edges between items, merged when a collapsed group folds several into one.
 * `lit` says which actions run an item (any of its ops) or an edge (the op it leads to).
 */
export function foldGroups(nodes, { groups, groupOf }, collapsed) {
  const ancestors = (path) => {
    const chain = [];
    for (let at = path; at !== null; at = groups.get(at).parent) chain.unshift(at);
    return chain;
  };
  // The outermost collapsed group an op or a group lies in, if any.
  const foldedInto = (path) => ancestors(path).find((at) => collapsed.has(at)) ?? null;
  const shown = new Set(nodes.map((node) => node.name));
  const itemOf = new Map();
  const items = new Map();
  const litOf = (ops) => ({ evaluate: ops.some((op) => op.in_evaluate), step: ops.some((op) => op.in_step) });
  const byName = new Map(nodes.map((node) => [node.name, node]));
  for (const node of nodes) {
    const group = groupOf.get(node.name);
    const fold = group === null ? null : foldedInto(group);
    if (fold === null) {
      const id = `op:${node.name}`;
      itemOf.set(node.name, id);
      items.set(id, { id, kind: "op", node, parent: group === null ? null : `group:${group}`, lit: litOf([node]) });
      continue;
    }
    const id = `group:${fold}`;
    itemOf.set(node.name, id);
    if (!items.has(id)) {
      const { members, origin, parent } = groups.get(fold);
      const ops = members.map((name) => byName.get(name));
      items.set(id, {
        id,
        kind: "group",
        group: fold,
        origin,
        count: members.length,
        parent: parent === null ? null : `group:${parent}`,
        lit: litOf(ops),
        holdsUpdate: ops.some((op) => op.role === "update"),
      });
    }
  }
  const frames = [...groups.values()]
    .filter((group) => !collapsed.has(group.path) && foldedInto(group.path) === null)
    .map(({ path, parent, members, origin }) => ({
      id: `group:${path}`,
      group: path,
      origin,
      count: members.length,
      parent: parent === null ? null : `group:${parent}`,
      lit: litOf(members.map((name) => byName.get(name))),
    }));
  const edges = new Map();
  for (const node of nodes) {
    const to = itemOf.get(node.name);
    const link = (from, control) => {
      if (!shown.has(from) || itemOf.get(from) === to) return;
      const key = `${itemOf.get(from)}→${to}`;
      const edge = edges.get(key) ?? { from: itemOf.get(from), to, control: true, lit: { evaluate: false, step: false } };
      edge.control &&= control; // Data flows along it if any of the edges it stands for is data.
      edge.lit.evaluate ||= node.in_evaluate;
      edge.lit.step ||= node.in_step;
      edges.set(key, edge);
    };
    node.inputs.forEach((from) => link(from, false));
    node.control_inputs.forEach((from) => link(from, true));
  }
  return { items: [...items.values()], frames, edges: [...edges.values()] };
}
