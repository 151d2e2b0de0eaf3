import type { IncomingMessage } from "node:http";
import { z } from "zod";
import { FaultConfigError } from "../errors.ts";
import type { FaultStatus } from "../faults/engine.ts";
import type { CounterSnapshot } from "./counters.ts";
import { apiError, jsonResponse, type PlannedResponse, readJsonBody } from "./respond.ts";

/** Path prefix of the control endpoint. */
export const CONTROL_PREFIX = "/__sandbox/";

/** Sandbox operations used by the control endpoint. The Sandbox object implements them. */
export interface SandboxControl {
  readonly pages: number;
  setFaults(faults: unknown): void;
  faults(): FaultStatus[];
  counters(): CounterSnapshot;
  resetCounters(): void;
  setRobots(host: string, body: string | undefined): void;
}

const RobotsRequestSchema = z.object({
  host: z.string().min(1),
  /** robots.txt body; null removes the host's rule. */
  body: z.string().nullable(),
});

/**
 * Handles a control request:
 *
 * - `GET /__sandbox/health`: `{status, pages}`.
 * - `GET /__sandbox/faults`: the active faults with how often each was applied.
 * - `POST /__sandbox/faults`: replaces the faults with the body, a fault list or `{"faults": [...]}`.
 * - `DELETE /__sandbox/faults`: removes every fault.
 * - `GET /__sandbox/counters`: the request counters.
 * - `POST /__sandbox/reset`: resets the counters to zero and returns them.
 * - `POST /__sandbox/robots`: `{"host": "...", "body": "..."}` sets a host's robots.txt, `"body": null` removes it.
 */
export async function handleControlRequest(
  control: SandboxControl,
  request: IncomingMessage,
  pathname: string,
): Promise<PlannedResponse> {
  const action = `${request.method} ${pathname.slice(CONTROL_PREFIX.length)}`;
  switch (action) {
    case "GET health":
      return jsonResponse(200, { status: "ok", pages: control.pages });
    case "GET faults":
      return jsonResponse(200, { faults: control.faults() });
    case "POST faults":
      return setFaults(control, request);
    case "DELETE faults":
      control.setFaults([]);
      return jsonResponse(200, { faults: control.faults() });
    case "GET counters":
      return jsonResponse(200, control.counters());
    case "POST reset":
      control.resetCounters();
      return jsonResponse(200, control.counters());
    case "POST robots":
      return setRobots(control, request);
    default:
      return apiError(404, `Unknown control request ${request.method} ${pathname}: see docs/sandbox-web.md.`);
  }
}

async function setFaults(control: SandboxControl, request: IncomingMessage): Promise<PlannedResponse> {
  const body = await readJsonBody(request, []);
  if (!body.ok) {
    return body.response;
  }
  const value = body.value;
  const list = value !== null && typeof value === "object" && "faults" in value ? value.faults : value;
  try {
    control.setFaults(list);
  } catch (error) {
    if (error instanceof FaultConfigError) {
      return apiError(400, error.message);
    }
    throw error;
  }
  return jsonResponse(200, { faults: control.faults() });
}

async function setRobots(control: SandboxControl, request: IncomingMessage): Promise<PlannedResponse> {
  const body = await readJsonBody(request);
  if (!body.ok) {
    return body.response;
  }
  const parsed = RobotsRequestSchema.safeParse(body.value);
  if (!parsed.success) {
    return apiError(400, `Invalid robots request: ${z.prettifyError(parsed.error)}`);
  }
  control.setRobots(parsed.data.host, parsed.data.body ?? undefined);
  return jsonResponse(200, { host: parsed.data.host, body: parsed.data.body });
}
