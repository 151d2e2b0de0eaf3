import { PermanentError } from "@ampledata/shared";

/** Invalid input to an extraction call: a column spec or entity that fails validation. */
export class ExtractionInputError extends PermanentError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, { ...options, code: "INVALID_MESSAGE" });
  }
}
