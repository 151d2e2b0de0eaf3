import { parseRetryAfter, ThrottledError } from "@ampledata/shared";
import { z } from "zod";
import {
  authError,
  excerpt,
  firstHeader,
  type HttpAnswer,
  htmlToText,
  joinUrl,
  type ProviderClientOptions,
  ProviderHttp,
  type ProviderLabels,
  parseAnswer,
  throwForStatus,
} from "./http-answer.ts";
import {
  ProviderUnavailableError,
  type SearchAnswer,
  type SearchProvider,
  type SearchRequest,
} from "./search-provider.ts";

const LABELS: ProviderLabels = {
  provider: "brave",
  baseUrlVariable: "BRAVE_BASE_URL",
  keyVariable: "BRAVE_API_KEY",
};

/** Brave's web search returns at most 20 results a request. */
const MAX_COUNT = 20;

const braveResponseSchema = z.looseObject({
  web: z
    .looseObject({
      results: z
        .array(
          z.looseObject({
            title: z.string().default(""),
            url: z.string().min(1),
            description: z.string().default(""),
          }),
        )
        .default([]),
    })
    .optional(),
  infobox: z
    .looseObject({
      results: z
        .array(
          z.looseObject({
            title: z.string().default(""),
            description: z.string().optional(),
            long_desc: z.string().optional(),
            url: z.string().optional(),
          }),
        )
        .default([]),
    })
    .optional(),
  faq: z
    .looseObject({
      results: z
        .array(
          z.looseObject({ question: z.string(), answer: z.string().optional(), url: z.string().optional() }),
        )
        .default([]),
    })
    .optional(),
});

/** Brave's error body: `{"type": "ErrorResponse", "error": {"code": "RATE_LIMITED", "detail": ...}}`. */
const braveErrorSchema = z.looseObject({
  error: z.looseObject({ code: z.string().optional(), detail: z.string().optional() }),
});

/**
 * Client of the Brave Search API: `GET /res/v1/web/search?q=&count=` with the X-Subscription-Token
 * header. Snippets (`description`) carry `<strong>` highlights, which are removed.
 */
export class BraveClient implements SearchProvider {
  readonly name = "brave";
  readonly #endpoint: string;
  readonly #options: ProviderClientOptions;
  readonly #http: ProviderHttp;

  constructor(options: ProviderClientOptions) {
    this.#options = options;
    this.#endpoint = joinUrl(options.baseUrl, "/res/v1/web/search");
    this.#http = new ProviderHttp(LABELS, options.timeoutMs);
  }

  async search({ query, num, signal }: SearchRequest): Promise<SearchAnswer> {
    const url = new URL(this.#endpoint);
    url.searchParams.set("q", query);
    url.searchParams.set("count", String(Math.min(num, MAX_COUNT)));
    const headers: Record<string, string> = {
      accept: "application/json",
      "user-agent": this.#options.userAgent,
    };
    if (this.#options.apiKey !== undefined) {
      headers["x-subscription-token"] = this.#options.apiKey;
    }
    const answer = await this.#http.send(url.href, { method: "GET", headers, query }, signal);
    return this.#readAnswer(query, answer);
  }

  async close(): Promise<void> {
    await this.#http.close();
  }

  #readAnswer(query: string, answer: HttpAnswer): SearchAnswer {
    const code = errorCode(answer.body);
    const keySent = this.#options.apiKey !== undefined;
    if (answer.status === 402 || (answer.status === 429 && quotaExhausted(answer, code))) {
      throw new ProviderUnavailableError(
        this.name,
        "quota",
        `brave quota is used up (HTTP ${answer.status}: ${excerpt(answer.body)}); raise the plan of the subscription behind BRAVE_API_KEY or put another provider in SEARCH_PROVIDERS`,
      );
    }
    if (answer.status === 429) {
      throw new ThrottledError(`brave rate limit reached (HTTP 429) for "${query}"`, retryAfterMs(answer));
    }
    if (answer.status === 422 && code === "SUBSCRIPTION_TOKEN_INVALID") {
      throw authError(LABELS, answer.status, keySent, excerpt(answer.body));
    }
    throwForStatus(LABELS, answer, { query, keySent });

    const response = parseAnswer(this.name, query, answer.body, braveResponseSchema);
    const mapped: SearchAnswer = {
      results: (response.web?.results ?? []).map((result, index) => ({
        title: htmlToText(result.title),
        url: result.url,
        snippet: htmlToText(result.description),
        position: index + 1,
      })),
    };
    const panel = response.infobox?.results[0];
    if (panel !== undefined && panel.title !== "") {
      mapped.knowledgePanel = {
        title: htmlToText(panel.title),
        description: htmlToText(panel.long_desc ?? panel.description ?? ""),
        url: panel.url,
      };
    }
    const questions = response.faq?.results ?? [];
    if (questions.length > 0) {
      mapped.relatedQuestions = questions.map((entry) => ({
        question: htmlToText(entry.question),
        snippet: entry.answer === undefined ? undefined : htmlToText(entry.answer),
        url: entry.url,
      }));
    }
    return mapped;
  }
}

function errorCode(body: string): string | undefined {
  try {
    const parsed = braveErrorSchema.safeParse(JSON.parse(body));
    return parsed.success ? parsed.data.error.code : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Brave lists one value per rate-limit window in X-RateLimit-Remaining, the per-second window
 * first and the monthly quota after it ("1, 0"). A 0 in any window after the first, or the error
 * code QUOTA_LIMITED, means the quota is used up and waiting seconds will not help.
 */
function quotaExhausted(answer: HttpAnswer, code: string | undefined): boolean {
  if (code === "QUOTA_LIMITED") {
    return true;
  }
  const remaining = firstHeader(answer.headers["x-ratelimit-remaining"]);
  if (remaining === undefined) {
    return false;
  }
  const windows = remaining.split(",").map((value) => Number(value.trim()));
  return windows.slice(1).some((value) => value === 0);
}

/** Retry-After when sent, else the per-second window's reset from X-RateLimit-Reset ("1, 1419704"), in ms. */
function retryAfterMs(answer: HttpAnswer): number | undefined {
  const retryAfter = parseRetryAfter(firstHeader(answer.headers["retry-after"]));
  if (retryAfter !== undefined) {
    return retryAfter;
  }
  const reset = firstHeader(answer.headers["x-ratelimit-reset"])?.split(",")[0]?.trim();
  return reset !== undefined && /^\d+$/.test(reset) ? Number(reset) * 1000 : undefined;
}
