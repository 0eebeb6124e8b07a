import { UsageError } from "../../src/errors.js";
import type { CoreContext } from "../../src/plugins/core-context.js";

/**
 * Shows the last entries of the audit log: when, who, where, the command (secrets masked), the
 * decision, the plugin and version that ran it, the outcome and how long it took.
 * @param filters - a number of entries (default 20), `user:NAME`, `plugin:NAME`
 * @example !audit
 * @example !audit 50 user:alice
 * @example !audit plugin:jenkins
 * @admin
 */
export async function audit(ctx: CoreContext, ...filters: string[]): Promise<string> {
  let limit = 20;
  let user: string | undefined;
  let plugin: string | undefined;
  for (const f of filters) {
    if (/^\d{1,4}$/.test(f)) limit = Math.max(1, Number(f));
    else if (f.startsWith("user:")) user = ctx.host.qualifyUser(f.slice(5));
    else if (f.startsWith("plugin:")) plugin = f.slice(7);
    else
      throw new UsageError(
        `"${f}" is not N, user:NAME or plugin:NAME. Usage: \`${ctx.host.prefix}audit [N] [user:U] [plugin:P]\`.`,
      );
  }
  const entries = await ctx.host.audit.query({ limit, user, plugin });
  if (entries.length === 0) return "No audit entries match.";
  return entries
    .map(
      (e) =>
        `${e.at.replace("T", " ").slice(0, 19)} ${e.user}${e.room ? ` ${e.room}` : ""} \`${ctx.host.prefix}${e.command}\` ` +
        `${e.decision}${e.reason ? ` (${e.reason})` : ""}; ${e.plugin} ${e.version}; ${e.outcome}; ${e.durationMs} ms`,
    )
    .join("\n");
}
