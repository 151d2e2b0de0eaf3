import type { z } from "zod";
import { InvalidMessageError } from "../errors.ts";

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** Formats zod issues as `path: message` lines so an error names the field that failed. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "(root)"}: ${issue.message}`)
    .join("; ");
}

/** Decodes a JSON message body and validates it, throwing InvalidMessageError that names each bad field. */
export function decodeMessage<S extends z.ZodType>(schema: S, data: Uint8Array, what: string): z.infer<S> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(data));
  } catch (cause) {
    throw new InvalidMessageError(`invalid ${what} message: body is not JSON`, { cause });
  }
  const result = schema.safeParse(parsed);
  if (!result.success) {
    throw new InvalidMessageError(`invalid ${what} message: ${describeIssues(result.error)}`);
  }
  return result.data;
}

/** Validates before encoding, so a service never publishes what the next stage would reject. */
export function encodeMessage<S extends z.ZodType>(schema: S, value: z.input<S>, what: string): Uint8Array {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new InvalidMessageError(
      `refusing to publish an invalid ${what} message: ${describeIssues(result.error)}`,
    );
  }
  return encoder.encode(JSON.stringify(result.data));
}
