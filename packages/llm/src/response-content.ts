/** The JSON Schema sent with a request, and the parsing and validation of the response content the model returns. */
import { z } from "zod";

/**
 * A validated response value, or the failure: the first invalid field, a `problem` that is safe to
 * send back to the model, and a `detail` with an excerpt of the content for error messages.
 */
export type ParsedContent<T> =
  | { ok: true; value: T }
  | { ok: false; field: string; problem: string; detail: string };

const FENCED_BLOCK = /```[ \t]*(?:json|JSON)?[ \t]*\r?\n?([\s\S]*?)\r?\n?[ \t]*```/;
const EXCERPT_CHARS = 200;

/**
 * Converts the zod schema of the expected response to the JSON Schema of the request. Objects get
 * `additionalProperties: false` and list every property as required, as OpenAI's strict mode
 * demands, so response schemas express an absent value as `null` and never as an optional field.
 */
export function responseJsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _dialect, ...jsonSchema } = z.toJSONSchema(schema, {
    io: "output",
    unrepresentable: "throw",
  });
  return jsonSchema;
}

/**
 * Parses the content of a response as JSON, inside a ```json fence or not, and validates it with
 * `schema`. A failure names the first invalid field, or "(root)" when the content is not JSON.
 */
export function parseResponseContent<S extends z.ZodType>(
  schema: S,
  content: string | null | undefined,
  finishReason: string | null | undefined,
): ParsedContent<z.infer<S>> {
  const text = (content ?? "").trim();
  if (text === "") {
    return {
      ok: false,
      field: "(root)",
      problem: `the response is empty${cutNote(finishReason)}`,
      detail: "",
    };
  }

  const fenced = FENCED_BLOCK.exec(text)?.[1];
  let parsed: unknown;
  try {
    parsed = JSON.parse(fenced ?? text);
  } catch (error) {
    return {
      ok: false,
      field: "(root)",
      problem: `the response is not valid JSON${cutNote(finishReason)}`,
      detail: `${(error as Error).message}; content: ${excerpt(text)}`,
    };
  }

  const result = schema.safeParse(parsed);
  if (result.success) return { ok: true, value: result.data };
  const first = result.error.issues[0];
  const field = first === undefined || first.path.length === 0 ? "(root)" : first.path.join(".");
  const problem = result.error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "(root)"}: ${issue.message}`)
    .join("; ");
  return { ok: false, field, problem, detail: `content: ${excerpt(text)}` };
}

function cutNote(finishReason: string | null | undefined): string {
  return finishReason === "length" ? "; the response was cut at max_tokens, so raise LLM_MAX_TOKENS" : "";
}

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, " ");
  return flat.length > EXCERPT_CHARS ? `${flat.slice(0, EXCERPT_CHARS)}...` : flat;
}
