import type { Level } from "level";
import type { JsonSublevel } from "./store.js";
import type { LoggedOp, WriteAheadLog } from "./write-ahead-log.js";

/**
 * JSON text the host made with `jsonText`. The journal puts it into its log lines as it is, so it must
 * never be text from anywhere else: text that is not exactly one JSON value could add records.
 */
export type JsonText = string & { readonly __madeByJsonText: unique symbol };

/** Serialises a value for the journal (guest data too: it was parsed, and is serialised here again). */
export function jsonText(value: unknown): JsonText {
  const json = JSON.stringify(value);
  if (json === undefined) throw new TypeError(`a ${typeof value} is not JSON`);
  return json as JsonText;
}

/**
 * One record for the journal. A put carries its value as JSON text, serialised once by whoever makes
 * it: the same text goes into the log line and, as it is, into LevelDB (whose JSON sublevels read it).
 */
export type JournalOp =
  | { type: "put"; sublevel: JsonSublevel; key: string; json: JsonText }
  | { type: "del"; sublevel: JsonSublevel; key: string };

/** The operation as LevelDB's batch takes it. */
type LevelOp =
  | { type: "put"; sublevel: JsonSublevel; key: string; value: string; valueEncoding: "utf8" }
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
  #queued: LevelOp[] = [];
  /** Resolves when the operations queued now are in LevelDB: one promise for a whole batch. */
  #queuedDone: Promise<void> | null = null;
  #resolveQueued: () => void = () => undefined;
  #writing: Promise<void> | null = null;
  #batchTimer: NodeJS.Timeout | undefined;
  /** Resolves when everything appended so far is in LevelDB. */
  #tail: Promise<void> = Promise.resolve();
  /**
   * Where a failed write is reported (the bot points it at its log): to the write-ahead log (`"log"`, a
   * full disk, say) or to LevelDB (`"database"`). Neither stops the bot, nor its shutdown.
   */
  onError: (err: unknown, failed: "log" | "database", operations: number) => void = (err, failed) => {
    process.stderr.write(
      `errand: could not write to the ${failed === "log" ? "journal" : "database"}: ${(err as Error).message}\n`,
    );
  };

  constructor(db: Level<string, unknown>, wal: WriteAheadLog, nameOf: (sublevel: JsonSublevel) => string) {
    this.#db = db;
    this.#wal = wal;
    this.#nameOf = nameOf;
  }

  /** Queues the operation; resolves once it is in LevelDB (or the write failed, which is reported). */
  append(op: JournalOp): Promise<void> {
    this.#unlogged.push(this.#logLine(op));
    this.#queued.push(
      op.type === "put"
        ? { type: "put", sublevel: op.sublevel, key: op.key, value: op.json, valueEncoding: "utf8" }
        : op,
    );
    this.#queuedDone ??= new Promise<void>((resolve) => {
      this.#resolveQueued = resolve;
    });
    this.#tail = this.#queuedDone;
    if (!this.#writing && !this.#batchTimer) {
      // Unref'd: at exit, close() sends what waits; after a kill, the log has it.
      this.#batchTimer = setTimeout(() => this.#writeNow(), BATCH_DELAY_MS).unref();
    }
    return this.#queuedDone;
  }

  /**
   * Makes everything appended so far survive a crash of the bot: one write to the log, if anything is
   * new. It does not throw: a log that cannot be written (a full disk) is reported, and the bot goes on
   * answering and closing; those records still reach LevelDB, but a crash before then loses them.
   */
  durable(): void {
    if (this.#unlogged.length === 0) return;
    const lines = this.#unlogged;
    this.#unlogged = [];
    try {
      this.#wal.append(lines);
    } catch (err) {
      this.#report(err, "log", lines.length);
    }
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
      const done = this.#resolveQueued;
      this.#queued = [];
      this.#queuedDone = null;
      try {
        // biome-ignore lint/suspicious/noExplicitAny: abstract-level types ops per sublevel; ours span several.
        await this.#db.batch(ops as any);
      } catch (err) {
        // Nothing better to do than say so loudly: the bot keeps serving, the admin sees the cause.
        this.#report(err, "database", ops.length);
      }
      done();
    }
    this.#writing = null;
    // Everything logged is in LevelDB now (what is still unlogged is not in the file yet).
    if (this.#wal.bytes > CLEAR_LOG_AT_BYTES && this.#unlogged.length === 0) this.#wal.clear();
  }

  /** Tells onError; a handler that throws must not stop the journal (a batch would never resolve). */
  #report(err: unknown, failed: "log" | "database", operations: number): void {
    try {
      this.onError(err, failed, operations);
    } catch {
      // Nowhere left to say it.
    }
  }

  /**
   * The operation as one line of the log (a LoggedOp in a list), made by hand so that the value's JSON
   * goes in as it is, not serialised a second time.
   */
  #logLine(op: JournalOp): string {
    const head = `[{"t":"${op.type}","s":${JSON.stringify(this.#nameOf(op.sublevel))},"k":${JSON.stringify(op.key)}`;
    return op.type === "put" ? `${head},"v":${op.json}}]` : `${head}}]`;
  }
}

/** What a log's lines (see `#logLine`) ask of LevelDB when they are applied again at start. */
export function replayedOps(
  pending: readonly LoggedOp[],
  sublevel: (name: string) => JsonSublevel,
): (LevelOp | { type: "put"; sublevel: JsonSublevel; key: string; value: unknown })[] {
  return pending.map((op) => {
    const s = sublevel(op.s);
    if (op.t === "del") return { type: "del", sublevel: s, key: op.k };
    // The value as it was logged: the value itself, or (older logs) its JSON text.
    return op.u
      ? { type: "put", sublevel: s, key: op.k, value: op.v as string, valueEncoding: "utf8" }
      : { type: "put", sublevel: s, key: op.k, value: op.v };
  });
}
