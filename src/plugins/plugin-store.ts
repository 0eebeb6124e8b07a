import { QuotaExceededError, UsageError } from "../errors.js";
import type { Journal } from "../storage/journal.js";
import type { JsonSublevel } from "../storage/store.js";

const SEP = "\u0000";
export const MAX_KEY_LENGTH = 256;
export const MAX_VALUE_BYTES = 256 * 1024;
const MAX_LIST = 1000;
/** Values kept in memory per plugin (most recently used): a plugin's hot keys never touch the disk to be read. */
const CACHED_VALUES = 256;

/**
 * A plugin's own key-value space: explicit get/set of JSON values (so nothing is "mutated in place and
 * silently not saved"), under a total size quota. It outlives updates, reloads and restarts.
 */
export class PluginStore {
  readonly #db: JsonSublevel;
  readonly #plugin: string;
  readonly #quotaBytes: number;
  readonly #journal: Journal;
  #used: Promise<Map<string, number>> | undefined;
  /** The sum of `#used`'s sizes, kept as they change. */
  #usedTotal = 0;
  /** Recently used values (null: known to be absent), in least-recently-used order. */
  readonly #cache = new Map<string, unknown>();

  constructor(db: JsonSublevel, plugin: string, quotaBytes: number, journal: Journal) {
    this.#db = db;
    this.#plugin = plugin;
    this.#quotaBytes = quotaBytes;
    this.#journal = journal;
  }

  /** The value, or null. Treat it as read-only: it may be the cached copy. */
  async get(key: string): Promise<unknown> {
    this.#checkKey(key);
    if (this.#cache.has(key)) {
      const value = this.#cache.get(key);
      this.#cache.delete(key);
      this.#cache.set(key, value);
      return value;
    }
    await this.#journal.committed();
    const value = (await this.#db.get(this.#key(key))) ?? null;
    // A set() while this read was on its way is newer than what the disk said.
    if (this.#cache.has(key)) return this.#cache.get(key);
    this.#remember(key, value);
    return value;
  }

  /**
   * Stores a JSON value. It is visible to `get` at once, durable in the journal before the command's
   * reply goes out, and in LevelDB with the next group commit.
   */
  async set(key: string, value: unknown): Promise<void> {
    this.#checkKey(key);
    if (value === undefined)
      throw new UsageError(`store.set("${key}"): the value is undefined; use store.delete.`);
    const json = JSON.stringify(value);
    const size = Buffer.byteLength(json) + key.length;
    if (size > MAX_VALUE_BYTES) {
      throw new QuotaExceededError(
        `Plugin ${this.#plugin}: the value for "${key}" is ${size} bytes; one value may hold ${MAX_VALUE_BYTES}.`,
      );
    }
    const sizes = await this.#sizes();
    const total = this.#usedTotal - (sizes.get(key) ?? 0) + size;
    if (total > this.#quotaBytes) {
      throw new QuotaExceededError(
        `Plugin ${this.#plugin} is out of store space (quota ${this.#quotaBytes} bytes); delete keys it no longer needs.`,
      );
    }
    sizes.set(key, size);
    this.#usedTotal = total;
    this.#remember(key, JSON.parse(json));
    void this.#journal.append({
      type: "put",
      sublevel: this.#db,
      key: this.#key(key),
      json,
    });
  }

  async delete(key: string): Promise<void> {
    this.#checkKey(key);
    const sizes = await this.#sizes();
    this.#usedTotal -= sizes.get(key) ?? 0;
    sizes.delete(key);
    this.#remember(key, null);
    void this.#journal.append({ type: "del", sublevel: this.#db, key: this.#key(key) });
  }

  /** Keys starting with `prefix`, sorted, at most 1000. */
  async list(prefix = ""): Promise<string[]> {
    await this.#journal.committed();
    const keys: string[] = [];
    const base = `${this.#plugin}${SEP}`;
    for await (const k of this.#db.keys({
      gte: base + prefix,
      lt: `${base}${prefix}\uffff`,
      limit: MAX_LIST,
    })) {
      keys.push((k as string).slice(base.length));
    }
    return keys;
  }

  /** Everything, for backups before uninstall. */
  async entries(): Promise<Record<string, unknown>> {
    await this.#journal.committed();
    const out: Record<string, unknown> = {};
    const base = `${this.#plugin}${SEP}`;
    for await (const [k, v] of this.#db.iterator({ gte: base, lt: `${base}\uffff` }))
      out[(k as string).slice(base.length)] = v;
    return out;
  }

  /** Deletes everything (uninstall, after the backup). */
  async clear(): Promise<void> {
    // Emptied log first: a replay after a crash must not bring back what is cleared here.
    await this.#journal.checkpoint();
    this.#cache.clear();
    const base = `${this.#plugin}${SEP}`;
    await this.#db.clear({ gte: base, lt: `${base}\uffff` });
    this.#used = undefined;
  }

  get quotaBytes(): number {
    return this.#quotaBytes;
  }

  async usedBytes(): Promise<number> {
    await this.#sizes();
    return this.#usedTotal;
  }

  /**
   * A key as a sandbox keeps it: its value as JSON (null: absent), its size as the quota counts it, and
   * the bytes the whole store uses.
   */
  async peek(key: string): Promise<{ json: string | null; size: number; used: number }> {
    this.#checkKey(key);
    const sizes = await this.#sizes();
    const size = sizes.get(key) ?? 0;
    const json = size === 0 ? null : JSON.stringify(await this.get(key));
    return { json, size, used: this.#usedTotal };
  }

  #remember(key: string, value: unknown): void {
    this.#cache.delete(key);
    this.#cache.set(key, value);
    if (this.#cache.size > CACHED_VALUES) this.#cache.delete(this.#cache.keys().next().value as string);
  }

  #sizes(): Promise<Map<string, number>> {
    this.#used ??= (async () => {
      await this.#journal.committed();
      const sizes = new Map<string, number>();
      const base = `${this.#plugin}${SEP}`;
      let total = 0;
      for await (const [k, v] of this.#db.iterator({ gte: base, lt: `${base}\uffff` })) {
        const key = (k as string).slice(base.length);
        const size = Buffer.byteLength(JSON.stringify(v)) + key.length;
        sizes.set(key, size);
        total += size;
      }
      this.#usedTotal = total;
      return sizes;
    })();
    return this.#used;
  }

  #checkKey(key: string): void {
    if (typeof key !== "string" || key.length === 0 || key.length > MAX_KEY_LENGTH || key.includes(SEP)) {
      throw new UsageError(`Plugin ${this.#plugin}: store keys are 1 to ${MAX_KEY_LENGTH} characters.`);
    }
  }

  #key(key: string): string {
    return `${this.#plugin}${SEP}${key}`;
  }
}
