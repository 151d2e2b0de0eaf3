import { z } from "zod";
import {
  createJobRequestSchema,
  errorBodySchema,
  exportRecordSchema,
  jobCreatedSchema,
  jobListSchema,
  jobWithLinksSchema,
  retryResultSchema,
  rowsPageSchema,
} from "./schemas.ts";

function jsonSchema(schema: z.ZodType, io: "input" | "output" = "output"): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as Record<
    string,
    unknown
  >;
  return rest;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

const json = (name: string) => ({ "application/json": { schema: ref(name) } });

function errors(...codes: number[]) {
  const descriptions: Record<number, string> = {
    400: "Invalid request; problems lists every problem",
    404: "No job with this id",
    409: "The job's status does not allow this action",
    413: "The upload is larger than MAX_UPLOAD_BYTES",
    415: "Unsupported content type",
    503: "The pipeline could not be reached; nothing was changed",
  };
  return Object.fromEntries(
    codes.map((code) => [String(code), { description: descriptions[code], content: json("Error") }]),
  );
}

const jobIdParameter = {
  name: "id",
  in: "path",
  required: true,
  description: "Job id (UUID)",
  schema: { type: "string" },
};

/** Builds the OpenAPI 3.1 document of the HTTP API; body schemas come from the zod schemas the code uses. */
export function buildOpenApiDocument(): Record<string, unknown> {
  return {
    openapi: "3.1.0",
    info: {
      title: "AmpleData gateway",
      version: "0.1.0",
      description:
        "Submit a table with key columns and the columns to fill in, follow the job's progress and export its results. See docs/api.md.",
    },
    paths: {
      "/v1/jobs": {
        post: {
          summary: "Create a job from JSON rows or an uploaded CSV file",
          requestBody: {
            required: true,
            content: {
              "application/json": { schema: ref("CreateJobRequest") },
              "multipart/form-data": {
                schema: {
                  type: "object",
                  required: ["file"],
                  properties: {
                    file: {
                      type: "string",
                      contentMediaType: "text/csv",
                      description: "UTF-8 CSV with a header row",
                    },
                    spec: {
                      type: "string",
                      description: "JSON object with the job fields (everything but rows)",
                    },
                    key_columns: { type: "string", description: "JSON array of key column names" },
                    columns: { type: "string", description: "JSON array of {name, type, description, mode}" },
                    key_description: { type: "string" },
                    name: { type: "string" },
                    row_limit: { type: "integer" },
                    priority: { type: "integer" },
                    max_urls: { type: "integer" },
                    max_rounds: { type: "integer" },
                  },
                },
              },
            },
          },
          responses: {
            "202": {
              description: "Job stored; rows are admitted to the pipeline",
              content: json("JobCreated"),
            },
            ...errors(400, 413, 415, 503),
          },
        },
        get: {
          summary: "List jobs, newest first",
          parameters: [
            {
              name: "limit",
              in: "query",
              schema: { type: "integer", minimum: 1, maximum: 200, default: 20 },
            },
            { name: "offset", in: "query", schema: { type: "integer", minimum: 0, default: 0 } },
            {
              name: "status",
              in: "query",
              schema: { type: "string", enum: ["PENDING", "RUNNING", "CANCELLED", "COMPLETED"] },
            },
          ],
          responses: { "200": { description: "A page of jobs", content: json("JobList") }, ...errors(400) },
        },
      },
      "/v1/jobs/{id}": {
        get: {
          summary: "A job's status, row counts by stage, rate, ETA and timings",
          parameters: [jobIdParameter],
          responses: { "200": { description: "The job", content: json("Job") }, ...errors(404) },
        },
      },
      "/v1/jobs/{id}/rows": {
        get: {
          summary: "A page of a job's rows in input order, with cells and evidence",
          parameters: [
            jobIdParameter,
            { name: "stage", in: "query", schema: { type: "string" } },
            {
              name: "limit",
              in: "query",
              schema: { type: "integer", minimum: 1, maximum: 1000, default: 100 },
            },
            { name: "offset", in: "query", schema: { type: "integer", minimum: 0, default: 0 } },
          ],
          responses: { "200": { description: "Rows", content: json("RowsPage") }, ...errors(400, 404) },
        },
      },
      "/v1/jobs/{id}/events": {
        get: {
          summary: "Server-sent events: progress snapshots until the job ends",
          parameters: [jobIdParameter],
          responses: {
            "200": {
              description:
                "text/event-stream of `progress` events and a final `end` event, each with a Job as data",
              content: { "text/event-stream": { schema: { type: "string" } } },
            },
            ...errors(404),
          },
        },
      },
      "/v1/jobs/{id}/results.jsonl": {
        get: {
          summary: "Results, one JSON object per input row in input order",
          parameters: [jobIdParameter],
          responses: {
            "200": {
              description: "Newline-delimited JSON, each line an ExportRecord",
              content: { "application/x-ndjson": { schema: ref("ExportRecord") } },
            },
            ...errors(404),
          },
        },
      },
      "/v1/jobs/{id}/results.csv": {
        get: {
          summary:
            "Results as CSV: input columns, requested columns, confidence and source per column, status, error",
          parameters: [jobIdParameter],
          responses: {
            "200": {
              description: "CSV with a header row",
              content: { "text/csv": { schema: { type: "string" } } },
            },
            ...errors(404),
          },
        },
      },
      "/v1/jobs/{id}/cancel": {
        post: {
          summary: "Cancel a job",
          parameters: [jobIdParameter],
          responses: {
            "200": {
              description:
                "The cancelled job, sent once its rows in flight have stopped or CANCEL_WAIT_MS has passed; it also has `stopped` (boolean): whether every row had stopped",
              content: json("Job"),
            },
            ...errors(404, 409, 503),
          },
        },
      },
      "/v1/jobs/{id}/retry": {
        post: {
          summary: "Re-admit the job's FAILED rows",
          parameters: [jobIdParameter],
          responses: {
            "202": { description: "Rows re-admitted", content: json("RetryResult") },
            ...errors(404, 409),
          },
        },
      },
      "/healthz": {
        get: { summary: "Liveness", responses: { "200": { description: "The process is alive" } } },
      },
      "/readyz": {
        get: {
          summary: "Readiness",
          responses: { "200": { description: "Ready" }, "503": { description: "Starting or draining" } },
        },
      },
      "/metrics": {
        get: { summary: "Prometheus metrics", responses: { "200": { description: "Text exposition" } } },
      },
    },
    components: {
      schemas: {
        CreateJobRequest: jsonSchema(createJobRequestSchema, "input"),
        JobCreated: jsonSchema(jobCreatedSchema),
        Job: jsonSchema(jobWithLinksSchema),
        JobList: jsonSchema(jobListSchema),
        RowsPage: jsonSchema(rowsPageSchema),
        RetryResult: jsonSchema(retryResultSchema),
        ExportRecord: jsonSchema(exportRecordSchema),
        Error: jsonSchema(errorBodySchema),
      },
    },
  };
}
