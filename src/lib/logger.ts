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

/**
 * An error as one line fit for a log. drizzle's query errors carry the SQL and its
 * parameters (titles, descriptions, caller references), so only the driver's own code and
 * message are kept from those.
 */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (err.message.startsWith("Failed query:")) {
    const code = typeof cause?.code === "string" ? `${cause.code} ` : "";
    return `query failed: ${code}${typeof cause?.message === "string" ? cause.message : "(no detail)"}`;
  }
  return err.message;
}
