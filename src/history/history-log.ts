import { type Journal, jsonText } from "../storage/journal.js";
import type { JsonSublevel } from "../storage/store.js";

export interface HistoryEntry {
  /** Per-user sequence number, as `!history` shows it and `!! N` takes it. */
  n: number;
  /** The command as typed, without the prefix (which may change). */
  text: string;
  room: string | null;
  at: string;
}

const SEP = "\u0000";
const pad = (n: number) => n.toString().padStart(12, "0");

/**
 * Each user's commands, in order, with stable numbers (like a shell's history): `!! 41` means the same
 * command today and after a restart.
 */
export class HistoryLog {
  readonly #db: JsonSublevel;
  readonly #journal: Journal;
  /** Each user's last number, once read from LevelDB (`#load`). */
  readonly #lastNumber = new Map<string, number>();
  readonly #loading = new Map<string, Promise<void>>();

  constructor(db: JsonSublevel, journal: Journal) {
    this.#db = db;
    this.#journal = journal;
  }

  /**
   * Numbers the command and hands it to the journal: durable before the bot answers, in LevelDB with
   * the next group commit. Reads below wait for what was queued before them.
   */
  async record(userId: string, text: string, room: string | null): Promise<HistoryEntry> {
    if (!this.#lastNumber.has(userId)) await this.#load(userId);
    // Taken and counted without a wait in between, so two commands in flight never share a number.
    const n = (this.#lastNumber.get(userId) ?? 0) + 1;
    this.#lastNumber.set(userId, n);
    const entry: HistoryEntry = { n, text, room, at: new Date().toISOString() };
    void this.#journal.append({
      type: "put",
      sublevel: this.#db,
      key: `${userId}${SEP}${pad(n)}`,
      json: jsonText(entry),
    });
    return entry;
  }

  /** The user's last `count` commands, oldest first. */
  async recent(userId: string, count: number): Promise<HistoryEntry[]> {
    await this.#journal.committed();
    const entries: HistoryEntry[] = [];
    for await (const value of this.#db.values({ ...this.#range(userId), reverse: true, limit: count })) {
      entries.push(value as HistoryEntry);
    }
    return entries.reverse();
  }

  async get(userId: string, n: number): Promise<HistoryEntry | undefined> {
    await this.#journal.committed();
    return (await this.#db.get(`${userId}${SEP}${pad(n)}`)) as HistoryEntry | undefined;
  }

  /** Reads the user's last number, once however many commands ask at the same time. */
  #load(userId: string): Promise<void> {
    let loading = this.#loading.get(userId);
    if (!loading) {
      loading = this.recent(userId, 1)
        .then((e) => {
          this.#lastNumber.set(userId, e[0]?.n ?? 0);
        })
        .finally(() => this.#loading.delete(userId));
      this.#loading.set(userId, loading);
    }
    return loading;
  }

  #range(userId: string) {
    return { gt: `${userId}${SEP}`, lt: `${userId}${SEP}\uffff` };
  }
}
