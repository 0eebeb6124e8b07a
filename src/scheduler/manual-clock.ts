import type { Clock } from "./clock.js";

/** A clock a test moves by hand; jobs run when the test calls `scheduler.tick()`, never by themselves (errand/testing uses it). */
export class ManualClock implements Clock {
  #now: number;

  constructor(start = Date.parse("2026-11-24T09:00:00Z")) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimer(): { cancel(): void } {
    return { cancel: () => {} };
  }

  advance(ms: number): void {
    this.#now += ms;
  }
}
