// /docs: Swagger UI (swagger-ui-dist from npm, bundled by Vite) on this service's own
// /openapi.json, with "Try it out" aimed at this origin and the bearer token field
// (Authorize). A token in the fragment (#token=...) is filled in for the visitor.
import "swagger-ui-dist/swagger-ui.css";

// @ts-expect-error: the ES bundle ships without type declarations.
import SwaggerUIBundle from "swagger-ui-dist/swagger-ui-es-bundle.js";

import { takeToken } from "../common/session";

async function main() {
  const token = takeToken();
  const response = await fetch("/openapi.json");
  const spec = await response.json();
  // "Try it out" calls the server that served this page, whatever address it was reached at.
  spec.servers = [{ url: location.origin, description: "this server" }];
  const ui = SwaggerUIBundle({
    spec,
    dom_id: "#swagger",
    deepLinking: true,
    displayRequestDuration: true,
    persistAuthorization: false,
  });
  if (token) ui.preauthorizeApiKey("bearerJwt", token);
}

void main();
