import { QuotaExceededError, UsageError } from "../errors.js";
import type { JsonSublevel } from "../storage/store.js";

const SEP = "\u0000";
export const MAX_KEY_LENGTH = 256;
export const MAX_VALUE_BYTES = 256 * 1024;
const MAX_LIST = 1000;

/**
 * A plugin's own key-value space: explicit get/set of JSON values (so nothing is "mutated in place and
 * silently not saved"), under a total size quota. It outlives updates, reloads and restarts.
 */
export class PluginStore {
  readonly #db: JsonSublevel;
  readonly #plugin: string;
  readonly #quotaBytes: number;
  #used: Promise<Map<string, number>> | undefined;

  constructor(db: JsonSublevel, plugin: string, quotaBytes: number) {
    this.#db = db;
    this.#plugin = plugin;
    this.#quotaBytes = quotaBytes;
  }

  async get(key: string): Promise<unknown> {
    this.#checkKey(key);
    return (await this.#db.get(this.#key(key))) ?? null;
  }

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
    const total = [...sizes.values()].reduce((a, b) => a + b, 0) - (sizes.get(key) ?? 0) + size;
    if (total > this.#quotaBytes) {
      throw new QuotaExceededError(
        `Plugin ${this.#plugin} is out of store space (quota ${this.#quotaBytes} bytes); delete keys it no longer needs.`,
      );
    }
    await this.#db.put(this.#key(key), JSON.parse(json));
    sizes.set(key, size);
  }

  async delete(key: string): Promise<void> {
    this.#checkKey(key);
    await this.#db.del(this.#key(key));
    (await this.#sizes()).delete(key);
  }

  /** Keys starting with `prefix`, sorted, at most 1000. */
  async list(prefix = ""): Promise<string[]> {
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
    const out: Record<string, unknown> = {};
    const base = `${this.#plugin}${SEP}`;
    for await (const [k, v] of this.#db.iterator({ gte: base, lt: `${base}\uffff` }))
      out[(k as string).slice(base.length)] = v;
    return out;
  }

  /** Deletes everything (uninstall, after the backup). */
  async clear(): Promise<void> {
    const base = `${this.#plugin}${SEP}`;
    await this.#db.clear({ gte: base, lt: `${base}\uffff` });
    this.#used = undefined;
  }

  async usedBytes(): Promise<number> {
    return [...(await this.#sizes()).values()].reduce((a, b) => a + b, 0);
  }

  #sizes(): Promise<Map<string, number>> {
    this.#used ??= (async () => {
      const sizes = new Map<string, number>();
      const base = `${this.#plugin}${SEP}`;
      for await (const [k, v] of this.#db.iterator({ gte: base, lt: `${base}\uffff` })) {
        const key = (k as string).slice(base.length);
        sizes.set(key, Buffer.byteLength(JSON.stringify(v)) + key.length);
      }
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
