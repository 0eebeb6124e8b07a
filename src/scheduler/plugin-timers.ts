import { createRequire } from "node:module";
import type { Cron as CronClass } from "croner";
import { PermissionDeniedError, UsageError } from "../errors.js";
import type { Logger } from "../log.js";
import type { JsonSublevel } from "../storage/store.js";
import { lazy } from "../util/lazy.js";
import { randomHex } from "../util/lazy-crypto.js";
import type { Scheduler } from "./scheduler.js";

/** Where a timer answers: the conversation of the call that created it. */
export interface TimerOrigin {
  user: { id: string; name: string; isBot: boolean };
  room: string | null;
  thread: string | null;
  isDirect: boolean;
}

export interface TimerRecord {
  id: string;
  plugin: string;
  /** The exported function it calls. */
  fn: string;
  data: unknown;
  kind: "after" | "every";
  intervalMs?: number;
  cron?: string;
  nextRunAt: number;
  origin: TimerOrigin;
  createdAt: string;
}

const MIN_INTERVAL_MS = 1000;
const MAX_TIMERS_PER_PLUGIN = 200;
const MAX_DATA_BYTES = 64 * 1024;

/**
 * Plugins' persistent timers (`ctx.schedule`): stored, so they resume after a restart; one that came
 * due while the bot was down runs once at start. They call an exported function of the plugin with
 * the data they were given, in the conversation that created them.
 */
export class PluginTimers {
  readonly #db: JsonSublevel;
  readonly #scheduler: Scheduler;
  readonly #fire: (timer: TimerRecord) => Promise<void>;
  readonly #log: Logger;
  readonly #byId = new Map<string, TimerRecord>();

  constructor(
    db: JsonSublevel,
    scheduler: Scheduler,
    fire: (timer: TimerRecord) => Promise<void>,
    log: Logger,
  ) {
    this.#db = db;
    this.#scheduler = scheduler;
    this.#fire = fire;
    this.#log = log;
  }

  /** At start, after plugins are loaded: every stored timer is armed again (overdue ones run at once). */
  async loadAll(): Promise<void> {
    for await (const value of this.#db.values()) this.#arm(value as TimerRecord);
  }

  async after(plugin: string, fn: string, ms: number, data: unknown, origin: TimerOrigin): Promise<string> {
    if (!Number.isFinite(ms) || ms < 0)
      throw new UsageError(`schedule.after: ${ms} is not a delay in milliseconds.`);
    return this.#create({ plugin, fn, data, kind: "after", nextRunAt: this.#now() + ms, origin });
  }

  async every(
    plugin: string,
    fn: string,
    spec: number | string,
    data: unknown,
    origin: TimerOrigin,
  ): Promise<string> {
    if (typeof spec === "number") {
      if (!Number.isFinite(spec) || spec < MIN_INTERVAL_MS) {
        throw new UsageError(
          `schedule.every: the interval must be at least ${MIN_INTERVAL_MS} ms, got ${spec}.`,
        );
      }
      return this.#create({
        plugin,
        fn,
        data,
        kind: "every",
        intervalMs: spec,
        nextRunAt: this.#now() + spec,
        origin,
      });
    }
    const next = nextCronRun(spec, this.#now());
    return this.#create({ plugin, fn, data, kind: "every", cron: spec, nextRunAt: next, origin });
  }

  /** Cancels one of the plugin's own timers; false when there is none by that id. */
  async cancel(plugin: string, id: string): Promise<boolean> {
    const t = this.#byId.get(id);
    if (!t || t.plugin !== plugin) return false;
    await this.#delete(t);
    return true;
  }

  /** Drops every timer of a plugin (deactivated or uninstalled). */
  async dropPlugin(plugin: string): Promise<number> {
    const mine = [...this.#byId.values()].filter((t) => t.plugin === plugin);
    for (const t of mine) await this.#delete(t);
    return mine.length;
  }

  list(plugin?: string): TimerRecord[] {
    return [...this.#byId.values()]
      .filter((t) => !plugin || t.plugin === plugin)
      .sort((a, b) => a.nextRunAt - b.nextRunAt);
  }

  async #create(fields: Omit<TimerRecord, "id" | "createdAt">): Promise<string> {
    if (this.list(fields.plugin).length >= MAX_TIMERS_PER_PLUGIN) {
      throw new PermissionDeniedError(
        `Plugin ${fields.plugin} has ${MAX_TIMERS_PER_PLUGIN} timers already; cancel some first.`,
      );
    }
    const size = Buffer.byteLength(JSON.stringify(fields.data ?? null));
    if (size > MAX_DATA_BYTES)
      throw new UsageError(`Timer data is ${size} bytes; the limit is ${MAX_DATA_BYTES}.`);
    const record: TimerRecord = {
      ...fields,
      data: fields.data ?? null,
      id: `t-${randomHex(5)}`,
      createdAt: new Date(this.#now()).toISOString(),
    };
    await this.#db.put(record.id, record);
    this.#arm(record);
    return record.id;
  }

  #arm(t: TimerRecord): void {
    this.#byId.set(t.id, t);
    this.#scheduler.set({ id: t.id, at: t.nextRunAt, run: () => this.#run(t) });
  }

  async #run(t: TimerRecord): Promise<void> {
    if (!this.#byId.has(t.id)) return;
    if (t.kind === "after") await this.#delete(t);
    else {
      const next = { ...t, nextRunAt: this.#nextRun(t) };
      await this.#db.put(t.id, next);
      this.#arm(next);
    }
    try {
      await this.#fire(t);
    } catch (err) {
      this.#log.warn({ err, timer: t.id, plugin: t.plugin }, "timer run failed");
    }
  }

  /** The next run after now; runs missed while the bot was down are not made up one by one. */
  #nextRun(t: TimerRecord): number {
    const now = this.#now();
    if (t.cron) return nextCronRun(t.cron, now);
    const interval = t.intervalMs as number;
    const missed = Math.max(0, Math.floor((now - t.nextRunAt) / interval));
    return t.nextRunAt + (missed + 1) * interval;
  }

  async #delete(t: TimerRecord): Promise<void> {
    this.#byId.delete(t.id);
    this.#scheduler.remove(t.id);
    await this.#db.del(t.id);
  }

  #now(): number {
    return this.#scheduler.clock.now();
  }
}

/** croner, loaded with the first cron expression: most bots have none. */
const loadCron = lazy(() => (createRequire(import.meta.url)("croner") as typeof import("croner")).Cron);

/** The next time a cron expression (5 or 6 fields, optional seconds) fires after `from`. */
export function nextCronRun(expression: string, from: number, timezone?: string): number {
  const Cron = loadCron();
  let cron: CronClass;
  try {
    cron = new Cron(expression, { paused: true, timezone });
  } catch (err) {
    throw new UsageError(`"${expression}" is not a cron expression: ${(err as Error).message}`);
  }
  const next = cron.nextRun(new Date(from));
  if (!next) throw new UsageError(`"${expression}" never fires again.`);
  return next.getTime();
}
