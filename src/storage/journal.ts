import type { Level } from "level";
import type { JsonSublevel } from "./store.js";

export type JournalOp =
  | { type: "put"; sublevel: JsonSublevel; key: string; value: unknown; valueEncoding?: "utf8" }
  | { type: "del"; sublevel: JsonSublevel; key: string };

/**
 * Group commit for the records every command writes (history, audit, plugin stores): what is appended
 * while one LevelDB batch is being written goes out together in the next one. Nothing is acknowledged
 * before it is written: a reply waits for `committed()`, so a kill -9 at any moment loses no command
 * that was answered, and a burst of commands costs a few writes instead of two per command.
 */
export class Journal {
  readonly #db: Level<string, unknown>;
  /** Where a failed write is reported (the bot points it at its log). */
  onError: (err: unknown, operations: number) => void = (err) => {
    process.stderr.write(`errand: could not write to the database: ${(err as Error).message}\n`);
  };
  #queued: JournalOp[] = [];
  #queuedDone: (() => void)[] = [];
  #writing: Promise<void> | null = null;
  /** Resolves when everything appended so far is written. */
  #tail: Promise<void> = Promise.resolve();

  constructor(db: Level<string, unknown>) {
    this.#db = db;
  }

  /** Queues the operations; resolves once they are written (or the write failed, which is logged). */
  append(...ops: JournalOp[]): Promise<void> {
    this.#queued.push(...ops);
    const done = new Promise<void>((resolve) => this.#queuedDone.push(resolve));
    this.#tail = done;
    this.#writing ??= this.#drain();
    return done;
  }

  /** Resolves when everything appended until now is written. */
  committed(): Promise<void> {
    return this.#tail;
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
  }
}
