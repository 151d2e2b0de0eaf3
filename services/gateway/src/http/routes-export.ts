import { Readable } from "node:stream";
import { stringify } from "csv-stringify/sync";
import type { FastifyInstance } from "fastify";
import { csvLayout, toExportRecord } from "../export/format.ts";
import { iterateRowPages } from "../jobs/row-store.ts";
import type { AppDependencies } from "./app.ts";
import { requireJob } from "./routes-jobs.ts";

/**
 * Registers the streamed exports. Rows are read a page at a time (keyset on row_index) and each
 * page is written as one chunk, so memory stays flat for any job size.
 */
export function registerExportRoutes(app: FastifyInstance, dependencies: AppDependencies): void {
  app.get<{ Params: { id: string } }>("/v1/jobs/:id/results.jsonl", async (request, reply) => {
    const job = await requireJob(dependencies, request.params.id);
    async function* lines() {
      for await (const page of iterateRowPages(dependencies.pool, job.id)) {
        yield page.map((row) => `${JSON.stringify(toExportRecord(job, row))}\n`).join("");
      }
    }
    return reply
      .type("application/x-ndjson; charset=utf-8")
      .header("content-disposition", `attachment; filename="${job.id}.jsonl"`)
      .send(Readable.from(lines()));
  });

  app.get<{ Params: { id: string } }>("/v1/jobs/:id/results.csv", async (request, reply) => {
    const job = await requireJob(dependencies, request.params.id);
    const layout = csvLayout(job);
    // One generator writes header and rows, so a failed page read errors the response stream itself.
    async function* lines() {
      yield stringify([layout.header]);
      for await (const page of iterateRowPages(dependencies.pool, job.id)) {
        yield stringify(page.map((row) => layout.toCells(row)));
      }
    }
    return reply
      .type("text/csv; charset=utf-8")
      .header("content-disposition", `attachment; filename="${job.id}.csv"`)
      .send(Readable.from(lines()));
  });
}
