/** Errors of a language-model call whose response the caller cannot use. */
import { PermanentError } from "@ampledata/shared";
import type { TokenUsage } from "./usage.ts";

/**
 * The model declined the request: the message carried a `refusal`, or the provider's content filter
 * stopped it (`finish_reason: "content_filter"`). Asking again with the same pages gives the same
 * result, so the error is permanent; the tasks turn it into cells with outcome `error`.
 */
export class LlmRefusalError extends PermanentError {
  /** The refusal text of the model, or a description of the filter stop. */
  readonly refusal: string;
  /** Tokens spent on the call before the refusal. */
  readonly usage: TokenUsage;

  constructor(message: string, refusal: string, usage: TokenUsage, options?: ErrorOptions) {
    super(message, { ...options, code: "PROVIDER_RESPONSE_INVALID" });
    this.refusal = refusal;
    this.usage = usage;
  }
}

/**
 * The model's response was not JSON or failed the response schema twice: once as first sent, and once
 * more after the validation error was sent back to it.
 */
export class LlmAnswerInvalidError extends PermanentError {
  /** Dotted path of the first invalid field, such as `columns.publisher.value`; "(root)" for the whole response. */
  readonly field: string;
  readonly usage: TokenUsage;

  constructor(message: string, field: string, usage: TokenUsage, options?: ErrorOptions) {
    super(message, { ...options, code: "PROVIDER_RESPONSE_INVALID" });
    this.field = field;
    this.usage = usage;
  }
}
