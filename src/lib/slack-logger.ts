import { type Logger as BoltLogger, LogLevel } from "@slack/bolt";
import type { Logger } from "./logger.js";

/** Routes Bolt's and the Web API client's log lines through pino: one format, level and redaction. */
export function slackLogger(logger: Logger, component: string): BoltLogger {
  const log = logger.child({ component });
  const line = (args: unknown[]) => args.map((a) => (a instanceof Error ? a.message : String(a))).join(" ");
  return {
    debug: (...args) => log.debug(line(args)),
    info: (...args) => log.info(line(args)),
    warn: (...args) => log.warn(line(args)),
    error: (...args) => log.error(line(args)),
    setLevel: () => {},
    getLevel: () => LogLevel.DEBUG,
    setName: () => {},
  };
}
