export { ApiClient, ApiError, formatApiError } from "./api-client.ts";
export type { CliColumn, CliColumnType } from "./column-spec.ts";
export { parseColumnSpec } from "./column-spec.ts";
export type { ExportFormat, JobView, SubmitOptions, Submitted } from "./jobs.ts";
export { downloadExport, exportFormatOf, isFinished, submitJob, watchJob } from "./jobs.ts";
export { createProgram, DEFAULT_GATEWAY_URL } from "./program.ts";
export { ProgressPrinter, renderProgress } from "./progress.ts";
