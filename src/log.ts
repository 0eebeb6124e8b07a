import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Logger, pino } from "pino";
import { randomHex } from "./util/lazy-crypto.js";

export type { Logger };

/**
 * The bot's log: JSON lines in DATA_DIR/errand.log. stdout belongs to the console backend's replies,
 * so nothing is logged there.
 */
export function createLogger(dataDir: string, level: string): Logger {
  mkdirSync(dataDir, { recursive: true });
  const file = pino.destination({ dest: join(dataDir, "errand.log"), sync: true });
  let mask: (line: string) => string = (line) => line;
  const logger = pino({ level, base: undefined }, { write: (line: string) => file.write(mask(line)) });
  maskers.set(logger, (m) => {
    mask = m;
  });
  return logger;
}

const maskers = new WeakMap<Logger, (mask: (line: string) => string) => void>();

/**
 * Every line the logger (and its children) writes goes through `mask` first: the bot masks secret config
 * values there, so a plugin that logs or throws its token does not put it in the log file.
 */
export function setLogMask(logger: Logger, mask: (line: string) => string): void {
  maskers.get(logger)?.(mask);
}

/** A short id that a user can quote and an admin can grep the log for. */
export function newErrorId(): string {
  return randomHex(4);
}
