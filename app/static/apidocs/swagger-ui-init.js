// Starts Swagger UI on /docs. A file rather than an inline script, so that a
// Content-Security-Policy with script-src 'self' holds. The page says where
// the OpenAPI document is (data-openapi-url, relative to the page).
"use strict";
(function () {
  const root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: new URL(root.dataset.openapiUrl, document.baseURI).href,
    domNode: root,
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    // The default sends the document to validator.swagger.io for a badge.
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
  });
})();
