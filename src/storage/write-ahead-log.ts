import { closeSync, fstatSync, ftruncateSync, openSync, readFileSync, writeSync } from "node:fs";

/** One journal operation as written to the log: sublevel by name, so it can be replayed after a crash. */
export interface LoggedOp {
  t: "put" | "del";
  s: string;
  k: string;
  v?: unknown;
  /** `v` is the value's JSON text as a string (how earlier builds logged plugin-store puts; still replayed). */
  u?: true;
}

/**
 * An append-only file in front of LevelDB for the records every command writes. Appending is one
 * synchronous write() into the operating system's cache, which survives a kill -9 of the bot (as
 * LevelDB's own unsynced log does) without waiting for LevelDB's worker thread; the records reach
 * LevelDB in batches behind it, and the file is emptied once they have. At start, whatever it still
 * holds is applied again (puts and deletes in order, so applying twice changes nothing).
 */
export class WriteAheadLog {
  readonly #fd: number;
  #bytes: number;

  private constructor(fd: number, bytes: number) {
    this.#fd = fd;
    this.#bytes = bytes;
  }

  /** Opens (or creates) the log; returns it with the operations it still holds, oldest first. */
  static open(file: string): { wal: WriteAheadLog; pending: LoggedOp[] } {
    const fd = openSync(file, "a+");
    const text = readFileSync(file, "utf8");
    const pending: LoggedOp[] = [];
    for (const line of text.split("\n")) {
      if (line === "") continue;
      try {
        pending.push(...(JSON.parse(line) as LoggedOp[]));
      } catch {
        // A line cut short by a crash was never acknowledged: nothing answered depended on it.
      }
    }
    return { wal: new WriteAheadLog(fd, fstatSync(fd).size), pending };
  }

  /**
   * Appends batches, one line each, in one write. Throws when they could not all be written (a full
   * disk), after taking back what was written of them: a torn line would swallow the next append's
   * first line at replay.
   */
  append(lines: string[]): void {
    const data = Buffer.from(`${lines.join("\n")}\n`);
    try {
      // A full disk can cut a write short without an error; the next write then says why.
      for (let done = 0; done < data.length; ) {
        const n = writeSync(this.#fd, data, done, data.length - done);
        if (n === 0) throw new Error("the journal file took no more bytes: is the disk full?");
        done += n;
      }
    } catch (err) {
      try {
        ftruncateSync(this.#fd, this.#bytes);
      } catch {
        // The write's own error is the one to report.
      }
      throw err;
    }
    this.#bytes += data.length;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Empties the log: everything in it has reached LevelDB. */
  clear(): void {
    ftruncateSync(this.#fd, 0);
    this.#bytes = 0;
  }

  close(): void {
    closeSync(this.#fd);
  }
}
