const WATCHDOG_INTERVAL_MS = 20;

/** A sandbox call in flight, as the watchdog sees it. */
export interface WatchedCall {
  /** Checks the call against its limits: called every 20 ms while it runs. */
  check(now: number): void;
}

/**
 * One watchdog for every call in flight (a timer per call cost more than many short calls take): it
 * catches what isolated-vm's own timeout cannot, CPU spent over many stretches and calls that never settle.
 */
const watched = new Set<WatchedCall>();
let watchdogStarted = false;

export function watchCall(call: WatchedCall): void {
  watched.add(call);
  if (watchdogStarted) return;
  // Started once and left running (unref'd: it never keeps the process alive); idle, it checks nothing.
  watchdogStarted = true;
  setInterval(() => {
    const now = Date.now();
    for (const c of watched) c.check(now);
  }, WATCHDOG_INTERVAL_MS).unref();
}

export function unwatchCall(call: WatchedCall): void {
  watched.delete(call);
}
