import { pino } from "pino";
import { isColorSupported, prettyFactory } from "pino-pretty";

export type Logger = pino.Logger;

export const LOG_FORMATS = ["json", "pretty"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

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

/**
 * LOG_FORMAT wins; unset, a person at a terminal gets readable lines and anything else (a pipe,
 * a file, a container's log driver) gets JSON lines for machines.
 */
export function chooseLogFormat(forced: LogFormat | undefined, stdoutIsTty: boolean): LogFormat {
  return forced ?? (stdoutIsTty ? "pretty" : "json");
}

interface Sink {
  write(line: string): unknown;
}

/**
 * Readable lines, rendered in this thread (no transport worker): pino redacts before it
 * serialises, so they are redacted exactly as the JSON lines are, and writes to a terminal stay
 * synchronous, so a line logged just before an exit is not lost.
 */
function prettySink(out: Sink, colorize: boolean): Sink {
  const pretty = prettyFactory({
    colorize,
    translateTime: "SYS:HH:MM:ss.l",
    ignore: "pid,hostname,service,component",
    messageFormat: "{if component}[{component}] {end}{msg}",
    singleLine: true,
  });
  return { write: (line: string) => out.write(pretty(line)) };
}

/**
 * The root logger. `destination` defaults to stdout; `format` "pretty" renders each line for a
 * person (coloured on stdout when the terminal supports it and NO_COLOR is unset).
 */
export function createLogger(
  level: string,
  destination?: pino.DestinationStream,
  format: LogFormat = "json",
): Logger {
  const options = {
    level,
    redact: { paths: REDACT, censor: "[redacted]" },
    base: { service: "switchboard" },
  };
  if (format === "pretty") {
    const out = destination ?? process.stdout;
    return pino(options, prettySink(out, destination === undefined && isColorSupported));
  }
  return pino(options, destination);
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
