import { type Logger, pino } from "pino";

export type { Logger } from "pino";

/**
 * Creates the service's root logger: JSON lines on stdout, `err` serialised with its stack and
 * cause, and `service` bound on every line.
 */
export function createLogger(service: string, level: string, destination?: NodeJS.WritableStream): Logger {
  const options = {
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    serializers: { err: pino.stdSerializers.errWithCause },
  };
  return destination ? pino(options, destination) : pino(options);
}
