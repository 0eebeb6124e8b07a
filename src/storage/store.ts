import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { Level } from "level";
import { StorageLockedError } from "../errors.js";
import { Journal, replayedOps } from "./journal.js";
import { type LoggedOp, WriteAheadLog } from "./write-ahead-log.js";

/** The sublevels of the one database: one per concern, so a concern cannot read or clobber another's keys. */
export type SublevelName =
  | "meta"
  | "history"
  | "plugins"
  | "plugin-store"
  | "repos"
  | "groups"
  | "acl"
  | "approvals"
  | "audit"
  | "timers"
  | "schedules";

export type JsonSublevel = ReturnType<Level<string, unknown>["sublevel"]> & {};

/**
 * The bot's state: one LevelDB in DATA_DIR/db. LevelDB's write-ahead log makes every acknowledged
 * write survive a crash, which is what Errbot's shelf files never managed.
 */
export class Store {
  readonly #db: Level<string, unknown>;
  readonly #sublevels = new Map<string, JsonSublevel>();
  /** Group commit of the per-command records (history, audit, plugin stores). */
  readonly journal: Journal;

  readonly #names = new Map<JsonSublevel, string>();
  readonly #wal: WriteAheadLog;

  private constructor(db: Level<string, unknown>, wal: WriteAheadLog) {
    this.#db = db;
    this.#wal = wal;
    this.journal = new Journal(db, wal, (sublevel) => this.#names.get(sublevel) ?? "?");
  }

  static async open(dataDir: string): Promise<Store> {
    const location = join(dataDir, "db");
    mkdirSync(location, { recursive: true });
    const db = new Level<string, unknown>(location, { valueEncoding: "json" });
    try {
      await db.open();
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause;
      if (cause?.code === "LEVEL_LOCKED") {
        throw new StorageLockedError(
          `The database in ${location} is in use by another Errand. Stop that one, or start this one ` +
            "with another --data-dir.",
          { cause: err },
        );
      }
      throw err;
    }
    // Opened after the database, whose lock says this bot is the only one using the data dir.
    const { wal, pending } = WriteAheadLog.open(join(dataDir, "journal.log"));
    const store = new Store(db, wal);
    await store.#replay(pending);
    return store;
  }

  /** Applies what the write-ahead log still holds (the bot stopped before it reached LevelDB). */
  async #replay(pending: LoggedOp[]): Promise<void> {
    if (pending.length > 0) {
      const ops = replayedOps(pending, (name) => this.sublevel(name as SublevelName));
      // biome-ignore lint/suspicious/noExplicitAny: operations across sublevels.
      await this.#db.batch(ops as any);
    }
    this.#wal.clear();
  }

  sublevel(name: SublevelName): JsonSublevel {
    let s = this.#sublevels.get(name);
    if (!s) {
      s = this.#db.sublevel<string, unknown>(name, { valueEncoding: "json" }) as JsonSublevel;
      this.#sublevels.set(name, s);
      this.#names.set(s, name);
    }
    return s;
  }

  async close(): Promise<void> {
    await this.journal.checkpoint();
    this.#wal.close();
    await this.#db.close();
  }
}
