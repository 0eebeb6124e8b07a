import { UsageError } from "../../src/errors.js";
import type { CoreContext } from "../../src/plugins/core-context.js";
import { parseScheduleAdd } from "../../src/scheduler/chat-schedules.js";

/** Keeps one user from flooding rooms (and the scheduler) with schedules; admins have no cap. */
const MAX_SCHEDULES_PER_USER = 20;

/**
 * Runs a chat command on a cron schedule, as you, and posts its output to a room (or to you). The room
 * sees the command each time, so people learn it. Your permissions are checked at every run.
 * @param schedule - `"CRON"` (5 fields, or 6 with seconds first), optional `tz=ZONE`, optional `#ROOM`, then the command
 * @example !schedule add "0 * * * *" #ops !status
 * @example !schedule add "0 9 * * 1-5" tz=Europe/Paris #deploys !jenkins jobs
 * @command schedule add
 */
export async function scheduleAdd(ctx: CoreContext, ...schedule: string[]): Promise<string> {
  const p = ctx.host.prefix;
  if (schedule.length === 0)
    throw new UsageError(`Usage: \`${p}schedule add "CRON" [#ROOM] ${p}COMMAND ...\`.`);
  const parsed = parseScheduleAdd(ctx.text, p);
  const command = ctx.host.resolveCommand(parsed.command);
  if (!command)
    throw new UsageError(
      `There is no command \`${p}${parsed.command.split(/\s+/)[0]}\`; \`${p}help\` lists them.`,
    );
  if (command.plugin === "schedule") {
    throw new UsageError("A schedule cannot manage schedules; add each one yourself.");
  }
  const mine = ctx.host.schedules.list().filter(({ schedule }) => schedule.creator.id === ctx.user.id);
  if (!ctx.host.isAdmin(ctx.user.id) && mine.length >= MAX_SCHEDULES_PER_USER) {
    throw new UsageError(
      `You have ${mine.length} schedules, the most a user may have; remove one with \`${p}schedule remove ID\` first.`,
    );
  }
  const probe = { ...ctx.message, room: parsed.room, isDirect: parsed.room === null };
  if (!ctx.host.canRun(probe, command)) {
    throw new UsageError(
      `You may not run \`${p}${command.name}\`${parsed.room ? ` in ${parsed.room}` : ""}, so you cannot schedule it.`,
    );
  }
  const { schedule: s, nextRun } = await ctx.host.schedules.add({
    ...parsed,
    creator: { ...ctx.message.sender },
  });
  return (
    `Schedule ${s.id}: \`${p}${s.command}\` at "${s.cron}"${s.timezone ? ` (${s.timezone})` : ""} into ${s.room ?? "your direct messages"}, ` +
    `as ${s.creator.name}. Next run: ${new Date(nextRun).toISOString().replace("T", " ").slice(0, 16)} UTC.`
  );
}

/**
 * Lists the schedules: yours, or everyone's for an admin.
 * @example !schedule list
 * @command schedule list
 */
export function scheduleList(ctx: CoreContext): string {
  const admin = ctx.host.isAdmin(ctx.user.id);
  const visible = ctx.host.schedules
    .list()
    .filter(({ schedule }) => admin || schedule.creator.id === ctx.user.id);
  if (visible.length === 0) return admin ? "No schedules." : "You have no schedules.";
  const p = ctx.host.prefix;
  return [
    "Schedules:",
    ...visible.map(
      ({ schedule: s, nextRun }) =>
        `  ${s.id}: "${s.cron}"${s.timezone ? ` ${s.timezone}` : ""} ${s.room ?? "(direct)"} \`${p}${s.command}\` by ${s.creator.name}; ` +
        `next ${new Date(nextRun).toISOString().replace("T", " ").slice(0, 16)} UTC`,
    ),
  ].join("\n");
}

/**
 * Removes a schedule (yours, or anyone's for an admin).
 * @param id - the schedule's id, from `!schedule list`
 * @example !schedule remove s3
 * @command schedule remove
 */
export async function scheduleRemove(ctx: CoreContext, id: string): Promise<string> {
  const s = await ctx.host.schedules.remove(id, ctx.user.id, ctx.host.isAdmin(ctx.user.id));
  return `Removed schedule ${s.id} (\`${ctx.host.prefix}${s.command}\`).`;
}
