import { type ErrorCode, PermanentError, type SearchResult } from "@ampledata/shared";
import { z } from "zod";

export interface SearchRequest {
  query: string;
  /** Results asked for. */
  num: number;
  /** Aborts the request on job cancellation or shutdown. */
  signal: AbortSignal;
}

/** A provider's summary box about the searched entity (Google's knowledge graph, Brave's infobox). */
export const knowledgePanelSchema = z.object({
  title: z.string(),
  description: z.string().optional(),
  url: z.string().optional(),
  attributes: z.record(z.string(), z.string()).optional(),
});
export type KnowledgePanel = z.infer<typeof knowledgePanelSchema>;

/** A "people also ask" entry with the answer's snippet and source, where the provider has one. */
export const relatedQuestionSchema = z.object({
  question: z.string(),
  snippet: z.string().optional(),
  url: z.string().optional(),
});
export type RelatedQuestion = z.infer<typeof relatedQuestionSchema>;

/** One provider answer mapped to the common shape; also the value stored in the search cache. */
export const searchAnswerSchema = z.object({
  results: z.array(
    z.object({
      title: z.string(),
      url: z.string(),
      snippet: z.string(),
      position: z.number().int().positive(),
    }),
  ),
  knowledgePanel: knowledgePanelSchema.optional(),
  relatedQuestions: z.array(relatedQuestionSchema).optional(),
});
export interface SearchAnswer {
  results: SearchResult[];
  knowledgePanel?: KnowledgePanel;
  relatedQuestions?: RelatedQuestion[];
}

/**
 * A web search API. `search` makes exactly one request and classifies its failure: PermanentError
 * when retrying cannot help (bad key, rejected request, unreadable response), ThrottledError for
 * rate limits and TransientError for timeouts, network errors and server errors. The caller retries.
 */
export interface SearchProvider {
  /** Provider name for metrics, spans, usage, cache keys and `work.search.provider`. */
  readonly name: string;
  search(request: SearchRequest): Promise<SearchAnswer>;
  /** Closes the provider's connections. */
  close(): Promise<void>;
}

/**
 * The provider cannot serve any request until an operator acts: its key is missing or invalid
 * (`reason: "auth"`, code PROVIDER_AUTH) or its quota or credits are used up (`reason: "quota"`).
 * The serp handler then falls back to the next provider and skips this one for a cool-down.
 */
export class ProviderUnavailableError extends PermanentError {
  readonly provider: string;
  readonly reason: "auth" | "quota";

  constructor(provider: string, reason: "auth" | "quota", message: string, options?: ErrorOptions) {
    const code: ErrorCode = reason === "auth" ? "PROVIDER_AUTH" : "PERMANENT";
    super(message, { ...options, code });
    this.provider = provider;
    this.reason = reason;
  }
}
