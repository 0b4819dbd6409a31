// dagre, the graph's layout library, loaded when the graph panel first needs it: an ES module
// the app serves from npm's copy (/vendor/dagre/, see app/api/vendor_assets.py), so the page
// loads nothing from elsewhere and only a page that draws a graph fetches it.

let loading = null;

/**
 * The dagre module (its `graphlib` and `layout`), imported once from `src`.
 * Rejects, with the reason, when the server has no copy of it.
 * @param {string} src
 */
export function loadDagre(src) {
  if (!src) return Promise.reject(new Error("The graph panel names no layout library (data-layout-src)."));
  loading ??= import(src).then((dagre) => {
    if (typeof dagre.layout !== "function" || !dagre.graphlib) throw new Error(`${src} is not dagre`);
    return dagre;
  });
  // A failed import is not kept: the next try asks the server again.
  loading.catch(() => {
    loading = null;
  });
  return loading;
}
