import type { Logger } from "../log.js";
import type { Clock } from "./clock.js";

export interface Job {
  id: string;
  /** When it is due, in ms since the epoch. */
  at: number;
  run(): Promise<void>;
}

/**
 * One timing loop for every persistent timer and schedule: it sleeps until the earliest job is due,
 * runs what is due (one at a time, oldest first), and sleeps again. Jobs are kept by their owners
 * (plugin timers, chat schedules), which re-add them after a restart; this loop only keeps time.
 */
export class Scheduler {
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #jobs = new Map<string, Job>();
  #timer: { cancel(): void } | undefined;
  #running = false;
  #stopped = false;

  constructor(clock: Clock, log: Logger) {
    this.#clock = clock;
    this.#log = log;
  }

  get clock(): Clock {
    return this.#clock;
  }

  set(job: Job): void {
    this.#jobs.set(job.id, job);
    this.#arm();
  }

  remove(id: string): void {
    this.#jobs.delete(id);
    this.#arm();
  }

  has(id: string): boolean {
    return this.#jobs.has(id);
  }

  stop(): void {
    this.#stopped = true;
    this.#timer?.cancel();
  }

  /** Runs every job due now. Tests call it after moving their clock; the loop calls it when a timer fires. */
  async tick(): Promise<void> {
    if (this.#running || this.#stopped) return;
    this.#running = true;
    try {
      for (;;) {
        const due = [...this.#jobs.values()]
          .filter((j) => j.at <= this.#clock.now())
          .sort((a, b) => a.at - b.at)[0];
        if (!due || this.#stopped) break;
        this.#jobs.delete(due.id);
        try {
          await due.run();
        } catch (err) {
          this.#log.error({ err, job: due.id }, "scheduled job failed");
        }
      }
    } finally {
      this.#running = false;
      this.#arm();
    }
  }

  #arm(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    if (this.#stopped || this.#running || this.#jobs.size === 0) return;
    const next = Math.min(...[...this.#jobs.values()].map((j) => j.at));
    this.#timer = this.#clock.setTimer(next - this.#clock.now(), () => void this.tick());
  }
}
