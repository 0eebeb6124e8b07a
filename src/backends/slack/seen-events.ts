/**
 * The deliveries already taken, to run each once: Slack delivers an event again when it thinks it was
 * not acknowledged, and a mention comes both as `message` and `app_mention`. Bounded: the oldest are
 * forgotten first (a retry comes within the hour, a few a minute at most).
 */
export class SeenEvents {
  readonly #keys = new Set<string>();
  readonly #capacity: number;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /** True when none of `keys` was seen before; remembers them all. */
  firstTime(keys: readonly string[]): boolean {
    if (keys.some((k) => this.#keys.has(k))) return false;
    for (const k of keys) this.#keys.add(k);
    // A Set iterates in insertion order: the oldest go first.
    for (const old of this.#keys) {
      if (this.#keys.size <= this.#capacity) break;
      this.#keys.delete(old);
    }
    return true;
  }
}
