import type { Journal } from "../storage/journal.js";
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
  readonly #lastNumber = new Map<string, Promise<number>>();

  constructor(db: JsonSublevel, journal: Journal) {
    this.#db = db;
    this.#journal = journal;
  }

  /**
   * Numbers the command and hands it to the journal: durable before the bot answers, in LevelDB with
   * the next group commit. Reads below wait for what was queued before them.
   */
  async record(userId: string, text: string, room: string | null): Promise<HistoryEntry> {
    // Chained per user so that two commands in flight never take the same number.
    const next = this.#currentNumber(userId).then((n) => n + 1);
    this.#lastNumber.set(userId, next);
    const n = await next;
    const entry: HistoryEntry = { n, text, room, at: new Date().toISOString() };
    void this.#journal.append({
      type: "put",
      sublevel: this.#db,
      key: `${userId}${SEP}${pad(n)}`,
      json: JSON.stringify(entry),
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

  #currentNumber(userId: string): Promise<number> {
    let current = this.#lastNumber.get(userId);
    if (!current) {
      current = this.recent(userId, 1).then((e) => e[0]?.n ?? 0);
      this.#lastNumber.set(userId, current);
    }
    return current;
  }

  #range(userId: string) {
    return { gt: `${userId}${SEP}`, lt: `${userId}${SEP}\uffff` };
  }
}
