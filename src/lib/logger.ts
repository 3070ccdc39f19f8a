import { pino } from "pino";

export type Logger = pino.Logger;

/**
 * Paths that may carry personal data or free text from callers. pino replaces them before a
 * line is written, so an object logged whole cannot leak a caller reference.
 */
const REDACT = [
  "callerReference",
  "caller_reference",
  "*.callerReference",
  "*.caller_reference",
  "*.*.callerReference",
  "description",
  "*.description",
  "token",
  "*.token",
  "headers.authorization",
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    { level, redact: { paths: REDACT, censor: "[redacted]" }, base: { service: "switchboard" } },
    destination,
  );
}
