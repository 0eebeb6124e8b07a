import type { Level } from "level";
import type { JsonSublevel } from "./store.js";
import type { LoggedOp, WriteAheadLog } from "./write-ahead-log.js";

export type JournalOp =
  | { type: "put"; sublevel: JsonSublevel; key: string; value: unknown; valueEncoding?: "utf8" }
  | { type: "del"; sublevel: JsonSublevel; key: string };

/** The log is emptied when it is this big and everything in it is in LevelDB. */
const CLEAR_LOG_AT_BYTES = 1024 * 1024;
/**
 * How long appended operations may wait for their LevelDB batch, unless a reader wants them sooner.
 * They are durable already (the log); waiting gathers the records of many commands into one batch,
 * where a batch per command cost the bot's thread more than the command itself.
 */
const BATCH_DELAY_MS = 10;

/**
 * The records every command writes (history, audit, plugin stores), made durable before the bot
 * answers and cheap enough to write for every command:
 * - `append` queues operations; `durable()` writes what was queued to the write-ahead log in one
 *   synchronous write (the bot calls it before it says anything), so an answered command survives a
 *   kill -9 at any moment;
 * - behind that, operations go to LevelDB in batches: what accumulates for up to 10 ms, or while one
 *   batch is written, goes out in the next one (group commit); `committed()` sends what waits at once
 *   and resolves when everything appended so far is in LevelDB (reads wait for it).
 */
export class Journal {
  readonly #db: Level<string, unknown>;
  readonly #wal: WriteAheadLog;
  readonly #nameOf: (sublevel: JsonSublevel) => string;
  #unlogged: string[] = [];
  #queued: JournalOp[] = [];
  #queuedDone: (() => void)[] = [];
  #writing: Promise<void> | null = null;
  #batchTimer: NodeJS.Timeout | undefined;
  /** Resolves when everything appended so far is in LevelDB. */
  #tail: Promise<void> = Promise.resolve();
  /** Where a failed write is reported (the bot points it at its log). */
  onError: (err: unknown, operations: number) => void = (err) => {
    process.stderr.write(`errand: could not write to the database: ${(err as Error).message}\n`);
  };

  constructor(db: Level<string, unknown>, wal: WriteAheadLog, nameOf: (sublevel: JsonSublevel) => string) {
    this.#db = db;
    this.#wal = wal;
    this.#nameOf = nameOf;
  }

  /** Queues the operations; resolves once they are in LevelDB (or the write failed, which is reported). */
  append(...ops: JournalOp[]): Promise<void> {
    this.#unlogged.push(JSON.stringify(ops.map((op) => this.#logged(op))));
    this.#queued.push(...ops);
    const done = new Promise<void>((resolve) => this.#queuedDone.push(resolve));
    this.#tail = done;
    if (!this.#writing && !this.#batchTimer) {
      // Unref'd: at exit, close() sends what waits; after a kill, the log has it.
      this.#batchTimer = setTimeout(() => this.#writeNow(), BATCH_DELAY_MS).unref();
    }
    return done;
  }

  /** Makes everything appended so far survive a crash of the bot: one write to the log, if anything is new. */
  durable(): void {
    if (this.#unlogged.length === 0) return;
    const lines = this.#unlogged;
    this.#unlogged = [];
    this.#wal.append(lines);
  }

  /** Resolves when everything appended until now is in LevelDB (sending it now if it waits). */
  committed(): Promise<void> {
    if (this.#batchTimer) this.#writeNow();
    return this.#tail;
  }

  #writeNow(): void {
    clearTimeout(this.#batchTimer);
    this.#batchTimer = undefined;
    this.#writing ??= this.#drain();
  }

  /**
   * Waits until everything is in LevelDB, then empties the log: call it before writing around the
   * journal (clearing a plugin's store), so that a replay after a crash cannot bring old values back.
   */
  async checkpoint(): Promise<void> {
    do {
      this.durable();
      await this.committed();
    } while (this.#queued.length > 0 || this.#unlogged.length > 0 || this.#writing);
    this.#wal.clear();
  }

  async #drain(): Promise<void> {
    // Let the current turn finish appending, so that its operations share one batch.
    await Promise.resolve();
    while (this.#queued.length > 0) {
      const ops = this.#queued;
      const done = this.#queuedDone;
      this.#queued = [];
      this.#queuedDone = [];
      try {
        // biome-ignore lint/suspicious/noExplicitAny: abstract-level types ops per sublevel; ours span several.
        await this.#db.batch(ops as any);
      } catch (err) {
        // Nothing better to do than say so loudly: the bot keeps serving, the admin sees the cause.
        this.onError(err, ops.length);
      }
      for (const resolve of done) resolve();
    }
    this.#writing = null;
    // Everything logged is in LevelDB now (what is still unlogged is not in the file yet).
    if (this.#wal.bytes > CLEAR_LOG_AT_BYTES && this.#unlogged.length === 0) this.#wal.clear();
  }

  #logged(op: JournalOp): LoggedOp {
    const s = this.#nameOf(op.sublevel);
    if (op.type === "del") return { t: "del", s, k: op.key };
    return op.valueEncoding === "utf8"
      ? { t: "put", s, k: op.key, v: op.value, u: true }
      : { t: "put", s, k: op.key, v: op.value };
  }
}
