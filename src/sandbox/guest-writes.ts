/**
 * A sandbox's store writes on their way from its isolate to the plugin's store, kept in the order the
 * plugin made them.
 *
 * The guest numbers each batch of writes it hands over (1, 2, …) and reports them as `"N json"`, or
 * as `"N"` when it has nothing new: "everything up to batch N". Reports come back with a call's result
 * and whenever the host takes the writes before answering an operation, and may arrive out of order
 * (a result is read a few microtasks after it was made). Batches are written strictly in number order:
 * at once when nothing before them waits and the store can (it can once it knows its sizes), and then
 * `settle` answers undefined, so a command's reply waits for nothing; otherwise `settle` resolves once
 * everything its report covers is written, which is what a reply or an operation waits for.
 *
 * Reports are guest output, trusted for nothing: a malformed one, or a number seen twice, fails like
 * a write the store refuses.
 */
export class GuestWrites {
  readonly #write: (json: string) => Promise<void> | undefined;
  #queuedThrough = 0;
  #writtenThrough = 0;
  readonly #held = new Map<number, string>();
  #writing: Promise<void> = Promise.resolve();
  #waiting: { upTo: number; resolve(): void; reject(err: Error): void }[] = [];
  #failure: Error | undefined;
  /** A write was refused: what came after it is not written (the plugin never had that state). */
  #refused = false;

  /**
   * `write` writes one batch (its JSON) through the store, at once (undefined) or later (a promise); a
   * throw or a rejection ends everything with `fail`.
   */
  constructor(write: (json: string) => Promise<void> | undefined) {
    this.#write = write;
  }

  /**
   * Takes a report: undefined when every batch up to its number is written, else a promise that
   * resolves once they are, and rejects if one was refused. `mayWrite` false: a report with a batch is
   * refused.
   */
  settle(report: unknown, mayWrite = true): Promise<void> | undefined {
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
      // Refused just now, by the store.
      if (this.#failure) return Promise.reject(this.#failure);
    }
    if (upTo <= this.#writtenThrough) return undefined;
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
    this.#refuseWrite(err);
    return Promise.reject(this.#failure);
  }

  /** Queues the held batches that come next in number order; writes at once what nothing waits before. */
  #queueHeld(): void {
    for (;;) {
      const json = this.#held.get(this.#queuedThrough + 1);
      if (json === undefined) return;
      const seq = ++this.#queuedThrough;
      this.#held.delete(seq);
      this.#writing =
        seq === this.#writtenThrough + 1
          ? (this.#writeBatch(json, seq) ?? this.#writing)
          : this.#writing.then(() => this.#writeBatch(json, seq));
    }
  }

  /** Writes batch `seq`: undefined when it is written (or refused) already, else when it will be. */
  #writeBatch(json: string, seq: number): Promise<void> | undefined {
    if (this.#refused) return undefined;
    let writing: Promise<void> | undefined;
    try {
      writing = this.#write(json);
    } catch (err) {
      this.#refuseWrite(err);
      return undefined;
    }
    if (writing === undefined) {
      this.#written(seq);
      return undefined;
    }
    return writing.then(
      () => this.#written(seq),
      (err: unknown) => this.#refuseWrite(err),
    );
  }

  #written(seq: number): void {
    this.#writtenThrough = seq;
    if (this.#waiting.length === 0) return;
    this.#waiting = this.#waiting.filter((w) => {
      if (w.upTo > seq) return true;
      w.resolve();
      return false;
    });
  }

  #refuseWrite(err: unknown): void {
    this.#refused = true;
    this.fail(err as Error);
  }
}
