import { QuotaExceededError, UsageError } from "../errors.js";
import { type Journal, jsonText } from "../storage/journal.js";
import type { JsonSublevel } from "../storage/store.js";

const SEP = "\u0000";
export const MAX_KEY_LENGTH = 256;
export const MAX_VALUE_BYTES = 256 * 1024;
const MAX_LIST = 1000;
/** Values kept in memory per plugin (most recently used): a plugin's hot keys never touch the disk to be read. */
const CACHED_VALUES = 256;

/** One write a sandbox hands over, its shape checked (host-api.ts): set a key to a value, or delete it. */
export type StoreWrite = readonly ["s", string, unknown] | readonly ["d", string];

/**
 * A plugin's own key-value space: explicit get/set of JSON values (so nothing is "mutated in place and
 * silently not saved"), under a total size quota. It outlives updates, reloads and restarts.
 */
export class PluginStore {
  readonly #db: JsonSublevel;
  readonly #plugin: string;
  readonly #quotaBytes: number;
  readonly #journal: Journal;
  /** Each key's size as the quota counts it, once read from LevelDB (`#loadSizes`). */
  #sizes: Map<string, number> | undefined;
  #loading: Promise<Map<string, number>> | undefined;
  /** Counts clear()s, so that a size read started before one is not taken for the store as it is. */
  #generation = 0;
  /** The sum of `#sizes`, kept as they change. */
  #usedTotal = 0;
  /**
   * Recently used values as JSON text (null: known to be absent), in least-recently-used order: text,
   * because that is what a sandbox asks for and what the journal writes.
   */
  readonly #cache = new Map<string, string | null>();

  constructor(db: JsonSublevel, plugin: string, quotaBytes: number, journal: Journal) {
    this.#db = db;
    this.#plugin = plugin;
    this.#quotaBytes = quotaBytes;
    this.#journal = journal;
  }

  /** The value, or null. */
  async get(key: string): Promise<unknown> {
    this.#checkKey(key);
    const json = await this.#json(key);
    return json === null ? null : JSON.parse(json);
  }

  /**
   * Stores a JSON value. It is visible to `get` at once, durable in the journal before the command's
   * reply goes out, and in LevelDB with the next group commit.
   */
  async set(key: string, value: unknown): Promise<void> {
    await this.apply([["s", key, value]]);
  }

  async delete(key: string): Promise<void> {
    await this.apply([["d", key]]);
  }

  /**
   * A sandbox's writes, in order, each checked as `set` and `delete` check it; a refused one throws, and
   * those after it are not made. Done before it returns (undefined) once the sizes are known, as they
   * are after the sandbox's first read; otherwise the promise says when.
   */
  apply(writes: readonly StoreWrite[]): Promise<void> | undefined {
    if (this.#sizes === undefined) return this.#loadSizes().then(() => this.apply(writes));
    for (const w of writes) {
      if (w[0] === "s") this.#put(w[1], w[2]);
      else this.#remove(w[1]);
    }
    return undefined;
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
    this.#sizes = undefined;
    this.#loading = undefined;
    this.#generation++;
  }

  get quotaBytes(): number {
    return this.#quotaBytes;
  }

  /** What it checks each write against (a sandbox checks its writes against the same, first). */
  get limits(): { quotaBytes: number; maxValueBytes: number; maxKeyLength: number } {
    return { quotaBytes: this.#quotaBytes, maxValueBytes: MAX_VALUE_BYTES, maxKeyLength: MAX_KEY_LENGTH };
  }

  async usedBytes(): Promise<number> {
    await this.#loadSizes();
    return this.#usedTotal;
  }

  /**
   * A key as a sandbox keeps it: its value as JSON (null: absent), its size as the quota counts it, and
   * the bytes the whole store uses.
   */
  async peek(key: string): Promise<{ json: string | null; size: number; used: number }> {
    this.#checkKey(key);
    const sizes = await this.#loadSizes();
    const size = sizes.get(key) ?? 0;
    const json = size === 0 ? null : await this.#json(key);
    return { json, size, used: this.#usedTotal };
  }

  /** Sets a key; the sizes are loaded. */
  #put(key: string, value: unknown): void {
    this.#checkKey(key);
    if (value === undefined)
      throw new UsageError(`store.set("${key}"): the value is undefined; use store.delete.`);
    const json = jsonText(value);
    const size = Buffer.byteLength(json) + key.length;
    if (size > MAX_VALUE_BYTES) {
      throw new QuotaExceededError(
        `Plugin ${this.#plugin}: the value for "${key}" is ${size} bytes; one value may hold ${MAX_VALUE_BYTES}.`,
      );
    }
    const sizes = this.#sizes as Map<string, number>;
    const total = this.#usedTotal - (sizes.get(key) ?? 0) + size;
    if (total > this.#quotaBytes) {
      throw new QuotaExceededError(
        `Plugin ${this.#plugin} is out of store space (quota ${this.#quotaBytes} bytes); delete keys it no longer needs.`,
      );
    }
    sizes.set(key, size);
    this.#usedTotal = total;
    this.#remember(key, json);
    void this.#journal.append({ type: "put", sublevel: this.#db, key: this.#key(key), json });
  }

  /** Deletes a key; the sizes are loaded. */
  #remove(key: string): void {
    this.#checkKey(key);
    const sizes = this.#sizes as Map<string, number>;
    this.#usedTotal -= sizes.get(key) ?? 0;
    sizes.delete(key);
    this.#remember(key, null);
    void this.#journal.append({ type: "del", sublevel: this.#db, key: this.#key(key) });
  }

  /** The key's value as JSON text, or null. */
  async #json(key: string): Promise<string | null> {
    const cached = this.#cache.get(key);
    if (cached !== undefined) {
      this.#remember(key, cached);
      return cached;
    }
    await this.#journal.committed();
    // As stored: JSON text, which is what the sandbox and the cache want.
    const json =
      ((await this.#db.get(this.#key(key), { valueEncoding: "utf8" })) as string | undefined) ?? null;
    // A write while this read was on its way is newer than what the disk said.
    const meanwhile = this.#cache.get(key);
    if (meanwhile !== undefined) return meanwhile;
    this.#remember(key, json);
    return json;
  }

  #remember(key: string, json: string | null): void {
    this.#cache.delete(key);
    this.#cache.set(key, json);
    if (this.#cache.size > CACHED_VALUES) this.#cache.delete(this.#cache.keys().next().value as string);
  }

  /** Reads every key's size once; a failed read is tried again on the next use. */
  #loadSizes(): Promise<Map<string, number>> {
    if (this.#loading) return this.#loading;
    // A clear() meanwhile makes what this read obsolete.
    const generation = this.#generation;
    const loading = (async () => {
      await this.#journal.committed();
      const sizes = new Map<string, number>();
      const base = `${this.#plugin}${SEP}`;
      let total = 0;
      for await (const [k, json] of this.#db.iterator({
        gte: base,
        lt: `${base}\uffff`,
        valueEncoding: "utf8",
      })) {
        const key = (k as string).slice(base.length);
        const size = Buffer.byteLength(json as string) + key.length;
        sizes.set(key, size);
        total += size;
      }
      if (generation !== this.#generation) return this.#loadSizes();
      this.#usedTotal = total;
      this.#sizes = sizes;
      return sizes;
    })();
    this.#loading = loading;
    loading.catch(() => {
      if (this.#loading === loading) this.#loading = undefined;
    });
    return loading;
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
