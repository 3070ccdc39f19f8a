import { type Logger as BoltLogger, LogLevel } from "@slack/bolt";
import type { Logger } from "./logger.js";

/**
 * At debug level the Slack SDK logs whole request and response bodies: messages, cards,
 * modal state, caller references. pino's redaction works on object paths, not inside a
 * string, so such lines are cut to their label here.
 */
const BODY_LINE =
  /^(http request body|http request result|http request headers|ack\(\) call begins|ack\(\) response sent)\b/;

function describe(args: unknown[]): string {
  const line = args.map((a) => (a instanceof Error ? a.message : String(a))).join(" ");
  const label = BODY_LINE.exec(line);
  return label ? `${label[1]}: [omitted: may hold personal data]` : line;
}

/** Routes Bolt's and the Web API client's log lines through pino: one format, level and redaction. */
export function slackLogger(logger: Logger, component: string): BoltLogger {
  const log = logger.child({ component });
  return {
    debug: (...args) => log.debug(describe(args)),
    info: (...args) => log.info(describe(args)),
    warn: (...args) => log.warn(describe(args)),
    error: (...args) => log.error(describe(args)),
    setLevel: () => {},
    getLevel: () => LogLevel.DEBUG,
    setName: () => {},
  };
}
