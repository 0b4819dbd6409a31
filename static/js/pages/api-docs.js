// Starts Swagger UI on /docs. A classic deferred script, run after swagger-ui-bundle.js, because
// the page's Content-Security-Policy allows no inline script to do it.

const root = document.getElementById("swagger-ui");
window.SwaggerUIBundle({
  url: root.dataset.openapiUrl,
  domNode: root,
  layout: "BaseLayout",
  deepLinking: true,
  showExtensions: true,
  showCommonExtensions: true,
  presets: [window.SwaggerUIBundle.presets.apis, window.SwaggerUIBundle.SwaggerUIStandalonePreset],
});
