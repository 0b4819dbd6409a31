// Starts Swagger UI on /docs. A classic deferred script, run after swagger-ui-bundle.js, because
// the page's Content-Security-Policy allows no inline script to do it.

// Swagger UI's title is an h1 and its groups of operations are h3s: a heading between them, for
// screen readers, keeps the outline from skipping a level (axe-core's heading-order).
function operationsHeading({ React }) {
  return {
    wrapComponents: {
      operations: (Original) => (props) =>
        React.createElement(
          React.Fragment,
          null,
          React.createElement("h2", { className: "visually-hidden" }, "Operations"),
          React.createElement(Original, props),
        ),
    },
  };
}

// What Swagger UI's markup lacks, added as it draws (React keeps attributes it does not set):
// code that scrolls takes the keyboard focus (axe-core's scrollable-region-focusable), its copy
// buttons (an icon alone) get a name, the fields of "Try it out" are named by their parameter,
// not only by a placeholder or a tooltip, and each operation's table of responses (a region)
// by its operation.
function completeMarkup(root) {
  for (const code of root.querySelectorAll("pre.microlight:not([tabindex])")) code.tabIndex = 0;
  for (const copy of root.querySelectorAll(".copy-to-clipboard button:not([aria-label])")) {
    copy.setAttribute("aria-label", "Copy to clipboard");
  }
  for (const field of root.querySelectorAll("tr[data-param-name] :is(input, select, textarea):not([aria-label])")) {
    field.setAttribute("aria-label", field.closest("tr").dataset.paramName);
  }
  for (const body of root.querySelectorAll("textarea.body-param__text:not([aria-label])")) {
    body.setAttribute("aria-label", "Request body");
  }
  for (const table of root.querySelectorAll('table.responses-table[role="region"]:not([aria-label])')) {
    const operation = table.closest(".opblock");
    const method = operation?.querySelector(".opblock-summary-method")?.textContent ?? "";
    const path = operation?.querySelector(".opblock-summary-path")?.dataset.path ?? "";
    table.setAttribute("aria-label", `Responses of ${method} ${path}`.trim());
  }
}

const root = document.getElementById("swagger-ui");
new MutationObserver(() => completeMarkup(root)).observe(root, { childList: true, subtree: true });
window.SwaggerUIBundle({
  url: root.dataset.openapiUrl,
  domNode: root,
  layout: "BaseLayout",
  // No deep links: Swagger UI puts each operation's link inside the button that opens it, a
  // control inside a control (axe-core's nested-interactive).
  deepLinking: false,
  // The default theme's numbers are too faint on its dark background (3.45:1); arta's read.
  syntaxHighlight: { activated: true, theme: "arta" },
  showExtensions: true,
  showCommonExtensions: true,
  presets: [window.SwaggerUIBundle.presets.apis, window.SwaggerUIBundle.SwaggerUIStandalonePreset],
  plugins: [operationsHeading],
});
