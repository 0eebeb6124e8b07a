import { UsageError } from "../../src/errors.js";
import type { CoreContext } from "../../src/plugins/core-context.js";
import { SECRET_MASK } from "../../src/security/mask-secret-values.js";

const MAX_SHOWN = 100;

/**
 * Lists your last commands with their numbers (for `!! N`). Each user sees only their own.
 * @param count - how many to show (default 10, at most 100)
 * @example !history
 * @example !history 30
 */
export async function history(ctx: CoreContext, count?: string): Promise<string> {
  const n = count === undefined ? 10 : parseCount(count, ctx.host.prefix);
  const entries = await ctx.host.history.recent(ctx.user.id, Math.min(n, MAX_SHOWN));
  if (entries.length === 0) return "You have no commands in your history yet.";
  const width = String(entries.at(-1)?.n ?? 0).length;
  return [
    `Your last ${entries.length} command${entries.length === 1 ? "" : "s"} (\`${ctx.host.prefix}! N\` runs one again):`,
    ...entries.map((e) => `${String(e.n).padStart(width + 2)}  ${ctx.host.prefix}${e.text}`),
  ].join("\n");
}

/**
 * Runs your last command again, or the one numbered N in `!history`. It is checked again as if you typed it.
 * @param number - the history number of the command to run
 * @example !!
 * @example !! 12
 * @command !
 */
export async function rerun(ctx: CoreContext, number?: string): Promise<void> {
  const prefix = ctx.host.prefix;
  const entry =
    number === undefined
      ? (await ctx.host.history.recent(ctx.user.id, 1))[0]
      : await ctx.host.history.get(ctx.user.id, parseCount(number, prefix));
  if (!entry) {
    throw new UsageError(
      number === undefined
        ? "You have no command to run again yet."
        : `You have no command number ${number}; \`${prefix}history\` shows the numbers.`,
    );
  }
  if (entry.text.includes(SECRET_MASK)) {
    throw new UsageError(
      "That command held a secret, and history keeps only its mask; type it again (in a direct message).",
    );
  }
  await ctx.reply(`> ${prefix}${entry.text}`);
  await ctx.host.rerun(ctx.message, entry.text);
}

function parseCount(value: string, prefix: string): number {
  const usage = `Usage: \`${prefix}history [N]\`, \`${prefix}! [N]\`.`;
  if (/^-?\d+$/.test(value) && Number(value) < 1) {
    throw new UsageError(`N must be 1 or more (you gave ${value}). ${usage}`);
  }
  if (!/^\d+$/.test(value)) throw new UsageError(`"${value}" is not a number. ${usage}`);
  // A huge N shows the whole (capped) history, or finds no such command: both say what happened.
  return Math.min(Number(value), Number.MAX_SAFE_INTEGER);
}
