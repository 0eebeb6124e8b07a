import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Logger, pino } from "pino";

export type { Logger };

/**
 * The bot's log: JSON lines in DATA_DIR/errand.log. stdout belongs to the console backend's replies,
 * so nothing is logged there.
 */
export function createLogger(dataDir: string, level: string): Logger {
  mkdirSync(dataDir, { recursive: true });
  return pino(
    { level, base: undefined },
    pino.destination({ dest: join(dataDir, "errand.log"), sync: true }),
  );
}

/** A short id that a user can quote and an admin can grep the log for. */
export function newErrorId(): string {
  return randomBytes(4).toString("hex");
}
