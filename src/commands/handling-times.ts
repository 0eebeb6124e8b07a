/** Messages whose handling times are kept: the figures describe the bot's recent behaviour, not its lifetime. */
const KEPT = 1000;

export interface HandlingSummary {
  /** Messages the figures cover (the last 1,000 at most). */
  count: number;
  p50Ms: number;
  p99Ms: number;
}

/**
 * How long the bot took over the recent messages it acted on (commands, listeners, answers; not talk
 * it let pass), from taking a message up until it has handed over its answer: on the console, before
 * the answer's log and output writes; on Slack, posting the answer included. Scheduled commands,
 * plugin timers and webhooks are not messages, and are not counted. Kept in a ring (8 bytes per
 * message); the percentiles are computed only when asked.
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
    return { count, p50Ms: nearestRank(sorted, 0.5), p99Ms: nearestRank(sorted, 0.99) };
  }
}

/** The q-th percentile of sorted values by nearest rank: the smallest with at least q of them at or below it. */
export function nearestRank(sorted: ArrayLike<number>, q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] as number;
}
