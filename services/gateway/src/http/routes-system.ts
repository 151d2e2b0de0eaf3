import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";
import type { AppDependencies } from "./app.ts";
import { buildOpenApiDocument } from "./openapi.ts";

/** The dashboard: one static HTML page whose script polls the API; `services/gateway/public/`, from src/ and dist/ alike. */
const DASHBOARD_PATH = fileURLToPath(new URL("../../public/dashboard.html", import.meta.url));

/** Registers the dashboard, the OpenAPI document, health, readiness and metrics. */
export function registerSystemRoutes(app: FastifyInstance, dependencies: AppDependencies): void {
  const openApi = buildOpenApiDocument();
  let dashboard: Promise<string> | undefined;

  app.get("/", async (_request, reply) => {
    dashboard ??= readFile(DASHBOARD_PATH, "utf8");
    return reply.type("text/html; charset=utf-8").send(await dashboard);
  });

  app.get("/openapi.json", async () => openApi);

  app.get("/healthz", async () => ({ status: "ok" }));

  app.get("/readyz", async (_request, reply) => {
    const ready = await dependencies.isReady();
    return reply.code(ready ? 200 : 503).send({ status: ready ? "ready" : "not_ready" });
  });

  app.get("/metrics", async (_request, reply) => {
    const registry = dependencies.metrics.service.registry;
    const body = await registry.metrics();
    return reply.type(registry.contentType).send(body);
  });
}
