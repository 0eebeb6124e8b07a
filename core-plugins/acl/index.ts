import type { CoreContext } from "../../src/plugins/core-context.js";
import { describeRule, parseRule } from "../../src/security/acl.js";

/**
 * Adds a rule that allows or denies a command (or all of a plugin's) to a user, a group or everyone,
 * optionally in one room only. The most specific rule wins; see `!help acl list`.
 * @param effect - `allow` or `deny`
 * @param target - a command (`"jenkins build"`, quoted when it has spaces) or all of a plugin (`jenkins:*`)
 * @param who - `user:NAME`, `group:NAME` or `*`
 * @param room - `room:NAME` to limit the rule to one room
 * @example !acl deny jenkins:* group:interns
 * @example !acl allow "jenkins build" user:alice room:ops
 * @command acl
 * @admin
 */
export async function acl(
  ctx: CoreContext,
  effect: string,
  target: string,
  who: string,
  room?: string,
): Promise<string> {
  const rule = await ctx.host.acl.add(
    parseRule(effect.toLowerCase(), target, who, room, (n) => ctx.host.qualifyUser(n)),
  );
  const exists =
    rule.target.kind === "plugin"
      ? ctx.host.plugins().some((p) => p.name === rule.target.name)
      : ctx.host.commands().some((c) => c.name === rule.target.name);
  const note = exists
    ? ""
    : ` (no ${rule.target.kind} ${rule.target.name} is installed yet; the rule applies once one is)`;
  return `Added rule ${describeRule(rule)}${note}.`;
}

/**
 * Lists the ACL rules with their ids, and how they are applied.
 * @example !acl list
 * @command acl list
 * @admin
 */
export function aclList(ctx: CoreContext): string {
  const rules = ctx.host.acl.rules();
  return [
    rules.length
      ? "Rules (c: from the config file, r: from chat):"
      : "No rules: everything but admin commands is allowed to everyone.",
    ...rules.map((r) => `  ${describeRule(r)}`),
    "Admin commands are for admins only. Otherwise a command is allowed unless a matching rule denies it; the most",
    "specific rule wins (user > group > *, then a room > every room, then a command > a plugin:*), deny on a tie.",
  ].join("\n");
}

/**
 * Removes a rule added from chat.
 * @param id - the rule's id, from `!acl list`
 * @example !acl remove r3
 * @command acl remove
 * @admin
 */
export async function aclRemove(ctx: CoreContext, id: string): Promise<string> {
  const rule = await ctx.host.acl.remove(id);
  return `Removed rule ${describeRule(rule)}.`;
}
