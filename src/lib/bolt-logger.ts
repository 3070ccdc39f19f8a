import { type Logger as BoltLogger, LogLevel } from "@slack/bolt";
import type { Logger } from "./logger.js";

/** Routes Bolt's own log lines through pino, so they share format, level and redaction. */
export function boltLogger(logger: Logger): BoltLogger {
  const log = logger.child({ component: "bolt" });
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
