import { type Logger as BoltLogger, LogLevel } from "@slack/bolt";
import type { Logger } from "./logger.js";

/**
 * At debug level the Slack SDK logs whole request and response bodies: messages, cards,
 * modal state, caller references. pino's redaction works on object paths, not inside a
 * string, so such lines are cut to their label here.
 */
const BODY_LINE = new RegExp(
  `^(${[
    "http request body",
    "http request result",
    "http request headers",
    "ack\\(\\) call begins",
    "ack\\(\\) response sent",
    // Socket Mode prints each envelope as it arrives and each ack as it leaves.
    "Received a message on the WebSocket",
    "Unable to parse an incoming WebSocket message",
    "Calling ack",
    "Sending a WebSocket message",
  ].join("|")})\\b`,
);
const OMITTED = "[omitted: may hold personal data]";

function describe(args: unknown[]): string {
  const line = args.map((a) => (a instanceof Error ? a.message : String(a))).join(" ");
  const label = BODY_LINE.exec(line);
  if (label) return `${label[1]}: ${OMITTED}`;
  // A line this list does not know yet that embeds JSON is cut where the JSON starts.
  const json = line.indexOf('{"');
  return json === -1 ? line : `${line.slice(0, json)}${OMITTED}`;
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
