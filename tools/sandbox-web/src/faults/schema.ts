import { z } from "zod";
import { FaultConfigError } from "../errors.ts";

/**
 * Fault definitions, validated with zod. Every fault has a kind, a pattern that selects the
 * requests it applies to, and optional limits:
 *
 * - `route`: "page" (proxied pages), "robots" (proxied /robots.txt), "search" (the search API)
 *   or "any" (all three). Control requests are never faulted.
 * - `host`, `path`: globs matched with Node's `path.matchesGlob` against the lowercase host name
 *   and the URL path without its query. `*` stays within one path segment and `**` crosses
 *   segments; for the search route the host is the sandbox's own and the path "/search".
 * - `times`: the fault is applied at most this many times, then it is inactive.
 * - `rate`: probability in [0, 1] that a matching request gets the fault, drawn from the
 *   sandbox's seeded generator.
 */

export const ROUTES = ["page", "robots", "search", "any"] as const;

const base = {
  id: z.string().min(1).optional(),
  route: z.enum(ROUTES).default("page"),
  host: z.string().min(1).toLowerCase().default("*"),
  path: z.string().min(1).default("**"),
  times: z.int().positive().optional(),
  rate: z.number().min(0).max(1).default(1),
};

const statusCode = z.int().min(100).max(599);
const redirectStatus = z.union([
  z.literal(301),
  z.literal(302),
  z.literal(303),
  z.literal(307),
  z.literal(308),
]);

const LatencyFault = z
  .object({
    ...base,
    kind: z.literal("latency"),
    /** Fixed delay in ms. */
    ms: z.number().nonnegative().optional(),
    /** Bounds in ms of a uniformly drawn delay, used together in place of `ms`. */
    minMs: z.number().nonnegative().optional(),
    maxMs: z.number().nonnegative().optional(),
  })
  .refine(hasOneDelay, { message: "latency needs either ms, or minMs and maxMs with minMs <= maxMs" });

function hasOneDelay(fault: { ms?: number; minMs?: number; maxMs?: number }): boolean {
  const hasMin = fault.minMs !== undefined;
  const hasMax = fault.maxMs !== undefined;
  if (fault.ms !== undefined) {
    return !hasMin && !hasMax;
  }
  return hasMin && hasMax && fault.minMs! <= fault.maxMs!;
}

const ErrorFault = z.object({
  ...base,
  kind: z.literal("error"),
  status: statusCode.default(500),
  body: z.string().optional(),
  /** Optional Retry-After header value in seconds, for example with status 503. */
  retryAfterS: z.int().nonnegative().optional(),
});

const RateLimitFault = z.object({
  ...base,
  kind: z.literal("rate-limit"),
  /** Retry-After header value in seconds. */
  retryAfterS: z.int().nonnegative().default(1),
});

const HangFault = z.object({ ...base, kind: z.literal("hang") });

const SlowBodyFault = z.object({
  ...base,
  kind: z.literal("slow-body"),
  chunkBytes: z.int().positive().default(256),
  intervalMs: z.number().nonnegative().default(100),
});

const ResetFault = z.object({
  ...base,
  kind: z.literal("reset"),
  /** Body bytes sent after the headers before the connection is reset; 0 resets before any response. */
  afterBytes: z.int().nonnegative().default(0),
});

const TruncateFault = z.object({
  ...base,
  kind: z.literal("truncate"),
  /** Body bytes sent before the connection closes; the default is half the body. */
  bytes: z.int().nonnegative().optional(),
});

const WrongContentTypeFault = z.object({
  ...base,
  kind: z.literal("wrong-content-type"),
  contentType: z.string().min(1).default("application/octet-stream"),
});

const OversizedFault = z.object({
  ...base,
  kind: z.literal("oversized"),
  /** Total body size in bytes; the real body is padded up to it. */
  bytes: z
    .int()
    .positive()
    .default(10 * 1024 * 1024),
  /** Whether to send Content-Length; false sends the body chunked with no announced size. */
  announceLength: z.boolean().default(true),
});

const RedirectFault = z.object({
  ...base,
  kind: z.literal("redirect"),
  /** Number of redirects before the real response. */
  hops: z.int().positive().default(3),
  status: redirectStatus.default(302),
});

const RedirectLoopFault = z.object({
  ...base,
  kind: z.literal("redirect-loop"),
  /** Number of distinct URLs in the loop; 1 redirects a URL to itself. */
  length: z.int().positive().default(2),
  status: redirectStatus.default(302),
});

export const FaultSchema = z.discriminatedUnion("kind", [
  LatencyFault,
  ErrorFault,
  RateLimitFault,
  HangFault,
  SlowBodyFault,
  ResetFault,
  TruncateFault,
  WrongContentTypeFault,
  OversizedFault,
  RedirectFault,
  RedirectLoopFault,
]);

/** A validated fault with its defaults filled in. */
export type Fault = z.output<typeof FaultSchema>;
/** A fault as written by a caller, before defaults are applied. */
export type FaultInput = z.input<typeof FaultSchema>;
export type FaultKind = Fault["kind"];
export type FaultRoute = (typeof ROUTES)[number];

/** Validates fault definitions, throwing a FaultConfigError that lists every problem. */
export function parseFaults(input: unknown): Fault[] {
  const parsed = z.array(FaultSchema).safeParse(input);
  if (!parsed.success) {
    throw new FaultConfigError(`Fault list is invalid: ${z.prettifyError(parsed.error)}`, {
      cause: parsed.error,
    });
  }
  const ids = new Set<string>();
  for (const fault of parsed.data) {
    if (fault.id !== undefined && ids.has(fault.id)) {
      throw new FaultConfigError(`Fault id "${fault.id}" is used twice: give each fault its own id.`);
    }
    if (fault.id !== undefined) {
      ids.add(fault.id);
    }
  }
  return parsed.data;
}
