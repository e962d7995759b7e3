// Starts Swagger UI on /api/docs (web/api_docs.py). A file, not an inline script: the CSP allows
// scripts from our own origin only. validatorUrl null: no call to the public validator service.
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/api/openapi.json",
    dom_id: "#swagger-ui",
    validatorUrl: null,
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
