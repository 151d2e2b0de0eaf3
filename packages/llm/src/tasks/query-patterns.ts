/** Search query patterns for a job, written by the model from the job's key columns and columns. */
import type { ColumnSpec } from "@ampledata/shared";
import { z } from "zod";
import type { LlmClient } from "../client.ts";
import { LlmAnswerInvalidError } from "../errors.ts";
import { describeColumns, oneLine } from "../prompt.ts";
import type { TokenUsage } from "../usage.ts";
import { uniqueColumns } from "./columns.ts";

export interface BuildQueryPatternsInput {
  keyColumns: string[];
  keyDescription?: string;
  columns: ColumnSpec[];
  signal?: AbortSignal;
}

export interface QueryPatterns {
  /** One to three patterns, each containing `%key`, which stands for the row's key values joined by spaces. */
  patterns: string[];
  usage: TokenUsage;
}

const KEY_PLACEHOLDER = "%key";
const MAX_PATTERN_CHARS = 200;

const responseSchema = z.object({
  patterns: z
    .array(z.string().regex(/%key/, { message: `each pattern must contain ${KEY_PLACEHOLDER}` }))
    .min(1)
    .max(3),
});

/**
 * Asks the model for 1-3 web search patterns that find pages stating the columns. The input is
 * the job's own definition, not web content, so there is no data block. Patterns are trimmed and
 * deduplicated; patterns longer than 200 characters are dropped.
 */
export async function buildQueryPatterns(
  client: LlmClient,
  input: BuildQueryPatternsInput,
): Promise<QueryPatterns> {
  const columns = uniqueColumns(input.columns);
  const description =
    input.keyDescription === undefined ? "" : `\nThe key describes: ${oneLine(input.keyDescription)}`;
  const completion = await client.complete({
    name: "query_patterns",
    schema: responseSchema,
    messages: [
      {
        role: "system",
        content: [
          "You write web search queries for a data enrichment job.",
          `Each row of the table is an entity identified by its key columns. Write 1 to 3 query patterns in which ${KEY_PLACEHOLDER} stands for the row's key values joined by spaces.`,
          "Together the patterns should find pages that state the requested columns: add words that such pages use, such as the column's subject.",
          "Keep each pattern short, like a query a person would type, and use no search operators. Reply with JSON only.",
        ].join("\n"),
      },
      {
        role: "user",
        content: `Key columns: ${input.keyColumns.map((name) => JSON.stringify(name)).join(", ")}${description}\n\nColumns to fill:\n${describeColumns(columns)}`,
      },
    ],
    ...(input.signal === undefined ? {} : { signal: input.signal }),
  });

  const patterns = [
    ...new Set(
      completion.value.patterns.map(oneLine).filter((pattern) => pattern.length <= MAX_PATTERN_CHARS),
    ),
  ];
  if (patterns.length === 0) {
    throw new LlmAnswerInvalidError(
      `the language model's query patterns are all longer than ${MAX_PATTERN_CHARS} characters: ${JSON.stringify(completion.value.patterns).slice(0, 300)}`,
      "patterns",
      completion.usage,
    );
  }
  return { patterns, usage: completion.usage };
}
