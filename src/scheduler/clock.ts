/** Time, as the scheduler sees it: the real one, or one a test moves by hand. */
export interface Clock {
  now(): number;
  setTimer(ms: number, fn: () => void): { cancel(): void };
}

// setTimeout takes at most a signed 32-bit delay; longer waits are done in steps.
const MAX_DELAY_MS = 2_147_483_647;

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(ms, fn) {
    const t = setTimeout(fn, Math.min(Math.max(0, ms), MAX_DELAY_MS));
    t.unref?.();
    return { cancel: () => clearTimeout(t) };
  },
};
