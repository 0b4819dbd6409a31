// DOM helpers every page uses: an element by id, new HTML and SVG elements, the page's JSON.

/** The element with id `id`. */
export const $ = (id) => document.getElementById(id);

function withAttributes(node, attributes) {
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}

/** A new `tag` element with `attributes` set and `children` (nodes or text) appended. */
export function element(tag, attributes = {}, ...children) {
  const node = withAttributes(document.createElement(tag), attributes);
  node.append(...children);
  return node;
}

/** A new SVG `tag` element with `attributes` set. */
export const svgElement = (tag, attributes = {}) =>
  withAttributes(document.createElementNS("http://www.w3.org/2000/svg", tag), attributes);

/** The JSON the server wrote into the page as <script type="application/json" id="…">. */
export const readJson = (id) => JSON.parse($(id).textContent);
