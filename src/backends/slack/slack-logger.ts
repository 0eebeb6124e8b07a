import { type Logger as BoltLogger, LogLevel } from "@slack/bolt";
import type { Logger } from "../../log.js";

const LEVELS: Record<string, LogLevel> = {
  debug: LogLevel.DEBUG,
  info: LogLevel.INFO,
  warn: LogLevel.WARN,
  error: LogLevel.ERROR,
};

/**
 * Bolt's logger interface over the bot's log file: Bolt would otherwise write to the console, and
 * stdout is for people. Bolt redacts tokens from what it logs.
 */
export function createBoltLogger(log: Logger): BoltLogger {
  let name = "bolt";
  const text = (msg: unknown[]) =>
    msg
      .map((m) => (typeof m === "string" ? m : m instanceof Error ? m.message : JSON.stringify(m)))
      .join(" ");
  return {
    debug: (...msg: unknown[]) => log.debug({ component: name }, text(msg)),
    info: (...msg: unknown[]) => log.info({ component: name }, text(msg)),
    warn: (...msg: unknown[]) => log.warn({ component: name }, text(msg)),
    error: (...msg: unknown[]) => log.error({ component: name }, text(msg)),
    // The level is the bot's (--log-level); Bolt's own choice is ignored.
    setLevel: () => {},
    getLevel: () => LEVELS[log.level] ?? LogLevel.INFO,
    setName: (n: string) => {
      name = n;
    },
  };
}
