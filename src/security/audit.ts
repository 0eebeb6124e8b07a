import { type Journal, jsonText } from "../storage/journal.js";
import type { JsonSublevel } from "../storage/store.js";

export type AuditDecision = "allowed" | "refused" | "waiting" | `approved by ${string}`;

export interface AuditEntry {
  at: string;
  user: string;
  room: string | null;
  /** The command as typed, without the prefix, secrets redacted. */
  command: string;
  decision: AuditDecision;
  /** Why it was refused, or which request it waits as. */
  reason?: string;
  plugin: string;
  version: string;
  /** "ok", "error: ...", or "-" when it did not run. */
  outcome: string;
  durationMs: number;
}

export interface AuditQuery {
  limit: number;
  user?: string;
  plugin?: string;
}

const pad = (n: number) => n.toString().padStart(14, "0");

/**
 * The append-only record of every command: who, where, what, the decision, which plugin version ran
 * it, and how it ended. There is no way to change or delete an entry.
 */
export class AuditLog {
  readonly #db: JsonSublevel;
  readonly #journal: Journal;
  #seq: number;

  private constructor(db: JsonSublevel, journal: Journal, seq: number) {
    this.#db = db;
    this.#journal = journal;
    this.#seq = seq;
  }

  static async open(db: JsonSublevel, journal: Journal): Promise<AuditLog> {
    let last = 0;
    for await (const key of db.keys({ reverse: true, limit: 1 })) last = Number(key);
    return new AuditLog(db, journal, last);
  }

  /** Queues the entry for the next group commit; resolves once it is written. */
  append(entry: AuditEntry): Promise<void> {
    return this.#journal.append({
      type: "put",
      sublevel: this.#db,
      key: pad(++this.#seq),
      json: jsonText(entry),
    });
  }

  /** The newest matching entries, oldest first. */
  async query(q: AuditQuery): Promise<AuditEntry[]> {
    await this.#journal.committed();
    const out: AuditEntry[] = [];
    for await (const value of this.#db.values({ reverse: true })) {
      const e = value as AuditEntry;
      if (q.user && e.user !== q.user) continue;
      if (q.plugin && e.plugin !== q.plugin) continue;
      out.push(e);
      if (out.length >= q.limit) break;
    }
    return out.reverse();
  }
}
