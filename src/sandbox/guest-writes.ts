/**
 * A sandbox's store writes on their way from its isolate to the plugin's store, kept in the order the
 * plugin made them.
 *
 * The guest numbers each batch of writes it hands over (1, 2, …) and reports them as `"N json"`, or
 * as `"N"` when it has nothing new: "everything up to batch N". Reports come back with a call's result
 * and whenever the host takes the writes before answering an operation, and may arrive out of order
 * (a result is read a few microtasks after it was made). Batches are written strictly in number order;
 * `settle` resolves once everything its report covers is written, which is what a reply or an
 * operation waits for.
 *
 * Reports are guest output, trusted for nothing: a malformed one, or a number seen twice, fails like
 * a write the store refuses.
 */
export class GuestWrites {
  readonly #write: (json: string) => Promise<void>;
  #queuedThrough = 0;
  #writtenThrough = 0;
  readonly #held = new Map<number, string>();
  #writing: Promise<void> = Promise.resolve();
  #waiting: { upTo: number; resolve(): void; reject(err: Error): void }[] = [];
  #failure: Error | undefined;
  /** A write was refused: what came after it is not written (the plugin never had that state). */
  #refused = false;

  /** `write` writes one batch (its JSON) through the store; a rejection ends everything with `fail`. */
  constructor(write: (json: string) => Promise<void>) {
    this.#write = write;
  }

  /**
   * Takes a report; resolves once every batch up to its number is written, rejects if one was refused.
   * `mayWrite` false: a report with a batch is refused.
   */
  settle(report: unknown, mayWrite = true): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    const text = typeof report === "string" ? report : "";
    const space = text.indexOf(" ");
    const upTo = Number(space === -1 ? text : text.slice(0, space));
    if (text === "" || !Number.isSafeInteger(upTo) || upTo < 0)
      return this.#refuse(new TypeError("its store writes came without their number"));
    if (space !== -1) {
      if (!mayWrite) return this.#refuse(new TypeError("it wrote to its store while none of its calls ran"));
      if (upTo <= this.#queuedThrough || this.#held.has(upTo))
        return this.#refuse(new TypeError(`its store writes numbered ${upTo} came twice`));
      this.#held.set(upTo, text.slice(space + 1));
      this.#queueHeld();
    }
    if (upTo <= this.#writtenThrough) return Promise.resolve();
    return new Promise((resolve, reject) => this.#waiting.push({ upTo, resolve, reject }));
  }

  /**
   * Ends it: every waiter, and every later report, fails with `err`. Batches already queued are still
   * written, unless a write was refused: stopping a sandbox must not lose what it handed over.
   */
  fail(err: Error): void {
    this.#failure ??= err;
    this.#held.clear();
    for (const w of this.#waiting.splice(0)) w.reject(this.#failure);
  }

  #refuse(err: Error): Promise<void> {
    this.#refused = true;
    this.fail(err);
    return Promise.reject(this.#failure);
  }

  /** Queues the held batches that come next in number order. */
  #queueHeld(): void {
    for (;;) {
      const json = this.#held.get(this.#queuedThrough + 1);
      if (json === undefined) return;
      const seq = ++this.#queuedThrough;
      this.#held.delete(seq);
      this.#writing = this.#writing.then(async () => {
        if (this.#refused) return;
        try {
          await this.#write(json);
        } catch (err) {
          this.#refused = true;
          this.fail(err as Error);
          return;
        }
        this.#writtenThrough = seq;
        this.#waiting = this.#waiting.filter((w) => {
          if (w.upTo > seq) return true;
          w.resolve();
          return false;
        });
      });
    }
  }
}
