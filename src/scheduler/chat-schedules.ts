import { NotAllowedError, NotFoundError, UsageError } from "../errors.js";
import type { Logger } from "../log.js";
import type { JsonSublevel } from "../storage/store.js";
import { nextCronRun } from "./plugin-timers.js";
import type { Scheduler } from "./scheduler.js";

/** A chat command run on a cron schedule, as its creator, into a room. */
export interface ScheduleRecord {
  id: string;
  cron: string;
  timezone?: string;
  /** "#ops", or null for the creator's direct conversation. */
  room: string | null;
  /** The command without the prefix. */
  command: string;
  creator: { id: string; name: string; isBot: boolean };
  createdAt: string;
}

/**
 * `!schedule add`: commands on a cron schedule. Stored, so they survive restarts; a run missed while the
 * bot was down is not made up (as with cron). Each run is checked with the creator's permissions then.
 */
export class ChatSchedules {
  readonly #db: JsonSublevel;
  readonly #scheduler: Scheduler;
  readonly #run: (schedule: ScheduleRecord) => Promise<void>;
  readonly #log: Logger;
  readonly #byId = new Map<string, ScheduleRecord>();
  #next = 1;

  constructor(
    db: JsonSublevel,
    scheduler: Scheduler,
    run: (s: ScheduleRecord) => Promise<void>,
    log: Logger,
  ) {
    this.#db = db;
    this.#scheduler = scheduler;
    this.#run = run;
    this.#log = log;
  }

  async loadAll(): Promise<void> {
    for await (const [key, value] of this.#db.iterator()) {
      if (key === NEXT_ID_KEY) {
        this.#next = Math.max(this.#next, value as number);
        continue;
      }
      const s = value as ScheduleRecord;
      this.#next = Math.max(this.#next, Number(s.id.slice(1)) + 1);
      this.#arm(s);
    }
  }

  async add(
    fields: Omit<ScheduleRecord, "id" | "createdAt">,
  ): Promise<{ schedule: ScheduleRecord; nextRun: number }> {
    const nextRun = nextCronRun(fields.cron, this.#now(), fields.timezone);
    const schedule: ScheduleRecord = {
      ...fields,
      id: `s${this.#next++}`,
      createdAt: new Date(this.#now()).toISOString(),
    };
    // The next id is stored with the schedule, so a removed id is never given out again.
    await this.#db.batch([
      { type: "put", key: schedule.id, value: schedule },
      { type: "put", key: NEXT_ID_KEY, value: this.#next },
    ]);
    this.#arm(schedule);
    return { schedule, nextRun };
  }

  /** Removes a schedule: its creator, or an admin, may. */
  async remove(id: string, by: string, isAdmin: boolean): Promise<ScheduleRecord> {
    const s = this.#byId.get(id);
    if (!s) throw new NotFoundError(`No schedule ${id}; \`!schedule list\` shows them.`);
    if (s.creator.id !== by && !isAdmin)
      throw new NotAllowedError(
        `Schedule ${id} is ${s.creator.name}'s; only they or an admin may remove it.`,
      );
    this.#byId.delete(id);
    this.#scheduler.remove(jobId(id));
    await this.#db.del(id);
    return s;
  }

  list(): { schedule: ScheduleRecord; nextRun: number }[] {
    return [...this.#byId.values()]
      .sort((a, b) => Number(a.id.slice(1)) - Number(b.id.slice(1)))
      .map((schedule) => ({ schedule, nextRun: nextCronRun(schedule.cron, this.#now(), schedule.timezone) }));
  }

  #arm(s: ScheduleRecord): void {
    this.#byId.set(s.id, s);
    let at: number;
    try {
      at = nextCronRun(s.cron, this.#now(), s.timezone);
    } catch (err) {
      this.#log.error({ err, schedule: s.id }, "schedule cannot be armed");
      return;
    }
    this.#scheduler.set({
      id: jobId(s.id),
      at,
      run: async () => {
        if (!this.#byId.has(s.id)) return;
        this.#arm(s);
        await this.#run(s);
      },
    });
  }

  #now(): number {
    return this.#scheduler.clock.now();
  }
}

const jobId = (id: string) => `schedule:${id}`;
/** Sorts after every "sN" key. */
const NEXT_ID_KEY = "~next-id";

/**
 * Reads `"CRON" [tz=ZONE] [#ROOM] !COMMAND ...` from the text after `!schedule add`.
 * The command keeps its own quoting, so it runs exactly as typed.
 */
export function parseScheduleAdd(
  text: string,
  prefix: string,
): { cron: string; timezone?: string; room: string | null; command: string } {
  const usage = `Usage: \`${prefix}schedule add "CRON" [tz=Europe/Paris] [#ROOM] ${prefix}COMMAND ...\`, e.g. \`${prefix}schedule add "0 9 * * 1-5" #ops ${prefix}jenkins status\`.`;
  const m = /^\s*(["'])(.+?)\1\s+(.*)$/s.exec(text);
  if (!m) throw new UsageError(`Put the cron expression in quotes. ${usage}`);
  let rest = (m[3] as string).trim();
  let timezone: string | undefined;
  const tz = /^tz=(\S+)\s+/.exec(rest);
  if (tz) {
    timezone = tz[1] as string;
    rest = rest.slice(tz[0].length);
    try {
      new Intl.DateTimeFormat("en", { timeZone: timezone });
    } catch {
      throw new UsageError(`"${timezone}" is not a time zone; use names like Europe/Paris or UTC.`);
    }
  }
  let room: string | null = null;
  const r = /^#([A-Za-z0-9_.-]+)\s+/.exec(rest);
  if (r) {
    room = `#${r[1]}`;
    rest = rest.slice(r[0].length);
  }
  if (!rest.startsWith(prefix) || rest.length === prefix.length)
    throw new UsageError(`The command must start with ${prefix}. ${usage}`);
  return { cron: (m[2] as string).trim(), timezone, room, command: rest.slice(prefix.length).trim() };
}
