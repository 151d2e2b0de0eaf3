/** Errors from the gateway, carrying the status and the API's own message. */
export class ApiError extends Error {
  readonly status: number;
  readonly body: unknown;

  constructor(status: number, message: string, body: unknown) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.body = body;
  }
}

export interface ApiProblem {
  field?: string;
  line?: number;
  message: string;
}

/** Formats an error body of the gateway (`{ message, problems: [...] }`) the way the API words it. */
export function formatApiError(status: number, body: unknown): string {
  if (body && typeof body === "object") {
    const record = body as { message?: unknown; problems?: unknown };
    const lines = [
      typeof record.message === "string" ? record.message : `request failed with status ${status}`,
    ];
    if (Array.isArray(record.problems)) {
      for (const problem of record.problems as ApiProblem[]) {
        const where = problem.field ?? (problem.line !== undefined ? `line ${problem.line}` : undefined);
        lines.push(`  - ${where ? `${where}: ` : ""}${problem.message}`);
      }
    }
    return lines.join("\n");
  }
  return typeof body === "string" && body.length > 0 ? body : `request failed with status ${status}`;
}

/** Thin client of the gateway's HTTP API. */
export class ApiClient {
  readonly baseUrl: string;

  constructor(baseUrl: string) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
  }

  async request<T>(
    method: string,
    path: string,
    body?: RequestInit["body"],
    headers?: Record<string, string>,
  ): Promise<T> {
    const response = await this.send(method, path, body, headers);
    const text = await response.text();
    const parsed = text.length > 0 ? (JSON.parse(text) as unknown) : undefined;
    return parsed as T;
  }

  /** Sends a request and throws ApiError on a non-2xx response, so the caller reads only successful bodies. */
  async send(
    method: string,
    path: string,
    body?: RequestInit["body"],
    headers?: Record<string, string>,
  ): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, { method, body, headers });
    } catch (error) {
      throw new ApiError(
        0,
        `cannot reach the gateway at ${this.baseUrl} (${(error as Error).cause ?? (error as Error).message}); start it or set --gateway / AMPLEDATA_URL`,
        undefined,
      );
    }
    if (!response.ok) {
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // Plain-text error body: shown as is.
      }
      throw new ApiError(response.status, formatApiError(response.status, parsed), parsed);
    }
    return response;
  }
}
