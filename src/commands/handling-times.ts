/** Messages whose handling times are kept: the figures describe the bot's recent behaviour, not its lifetime. */
const KEPT = 1000;

export interface HandlingSummary {
  /** Messages the figures cover (at most the last 1,000). */
  count: number;
  p50Ms: number;
  p99Ms: number;
}

/**
 * How long the bot took to handle its recent messages, from the message's arrival to its answer being
 * handed to the backend: its own part of a reply's latency, without the chat service or the network.
 * Kept in a ring (a few bytes per message); the percentiles are computed only when asked.
 */
export class HandlingTimes {
  readonly #ms = new Float64Array(KEPT);
  #recorded = 0;

  /** Records a handling that started at `startedNs` (`process.hrtime.bigint()`) and ends now. */
  record(startedNs: bigint): void {
    this.#ms[this.#recorded % KEPT] = Number(process.hrtime.bigint() - startedNs) / 1e6;
    this.#recorded++;
  }

  summary(): HandlingSummary | null {
    const count = Math.min(this.#recorded, KEPT);
    if (count === 0) return null;
    const sorted = this.#ms.slice(0, count).sort();
    const at = (q: number) => sorted[Math.min(count - 1, Math.floor(q * count))] as number;
    return { count, p50Ms: at(0.5), p99Ms: at(0.99) };
  }
}
