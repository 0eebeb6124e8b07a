/** Messages whose handling times are kept: the figures describe the bot's recent behaviour, not its lifetime. */
const KEPT = 1000;

export interface HandlingSummary {
  /** Messages the figures cover (the last 1,000 at most); 0 before the first, and then no percentiles. */
  count: number;
  p50Ms: number;
  p99Ms: number;
  /**
   * Messages being handled now, whether or not the bot will act on them (talk goes to the listeners
   * first): a stuck bot shows here before its percentiles do.
   */
  inProgress: number;
  /** How long the oldest of those has been handled, 0 when there are none. */
  oldestInProgressMs: number;
}

/**
 * How long the bot took over the recent messages it acted on (commands, listeners, answers; not talk
 * it let pass), from taking a message up until it has handed over its answer: on the console, before
 * the answer's log and output writes; on Slack, posting the answer included. Scheduled commands,
 * plugin timers and webhooks are not messages, and are not counted. Kept in a ring (8 bytes per
 * message); the percentiles are computed only when asked. The messages being handled now are kept
 * too, by message, with their start.
 */
export class HandlingTimes {
  readonly #ms = new Float64Array(KEPT);
  #recorded = 0;
  readonly #inProgress = new Map<object, bigint>();

  /** A message is handled from now on: returns its start, for `end`. */
  begin(message: object): bigint {
    const started = process.hrtime.bigint();
    this.#inProgress.set(message, started);
    return started;
  }

  /** The message is done; its time is recorded when the bot acted on it. */
  end(message: object, started: bigint, acted: boolean): void {
    this.#inProgress.delete(message);
    if (acted) this.record(started);
  }

  /** Records a handling that started at `startedNs` (`process.hrtime.bigint()`) and ends now. */
  record(startedNs: bigint): void {
    this.#ms[this.#recorded % KEPT] = Number(process.hrtime.bigint() - startedNs) / 1e6;
    this.#recorded++;
  }

  /** The figures; `asker`, a message in progress, is left out of those in progress (it is asking). */
  summary(asker?: object): HandlingSummary {
    const now = process.hrtime.bigint();
    let inProgress = 0;
    let oldest = now;
    for (const [message, started] of this.#inProgress) {
      if (message === asker) continue;
      inProgress++;
      if (started < oldest) oldest = started;
    }
    const inFlight = { inProgress, oldestInProgressMs: Number(now - oldest) / 1e6 };
    const count = Math.min(this.#recorded, KEPT);
    if (count === 0) return { count, p50Ms: 0, p99Ms: 0, ...inFlight };
    const sorted = this.#ms.slice(0, count).sort();
    return { count, p50Ms: nearestRank(sorted, 0.5), p99Ms: nearestRank(sorted, 0.99), ...inFlight };
  }
}

/** The q-th percentile of sorted values by nearest rank: the smallest with at least q of them at or below it. */
export function nearestRank(sorted: ArrayLike<number>, q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] as number;
}
