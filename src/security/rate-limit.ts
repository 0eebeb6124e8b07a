/**
 * A per-user token bucket: `perMinute` commands a minute, in bursts of as many. A user over it gets one
 * clear message, then silence until tokens come back, so a flood cannot make the bot flood the room.
 */
export class RateLimiter {
  readonly #perMinute: number;
  readonly #now: () => number;
  readonly #buckets = new Map<string, { tokens: number; at: number; warned: boolean }>();

  constructor(perMinute: number, now: () => number = Date.now) {
    this.#perMinute = perMinute;
    this.#now = now;
  }

  /** "ok" to serve; "warn" the first time over the limit; "drop" after that. */
  take(userId: string): "ok" | "warn" | "drop" {
    const now = this.#now();
    const b = this.#buckets.get(userId) ?? { tokens: this.#perMinute, at: now, warned: false };
    b.tokens = Math.min(this.#perMinute, b.tokens + ((now - b.at) / 60_000) * this.#perMinute);
    b.at = now;
    this.#buckets.set(userId, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      b.warned = false;
      return "ok";
    }
    if (b.warned) return "drop";
    b.warned = true;
    return "warn";
  }

  /** Seconds until the next command is served. */
  waitSeconds(userId: string): number {
    const b = this.#buckets.get(userId);
    if (!b || b.tokens >= 1) return 0;
    return Math.ceil(((1 - b.tokens) * 60) / this.#perMinute);
  }
}
