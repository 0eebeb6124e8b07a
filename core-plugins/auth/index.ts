import { usageLine } from "../../src/docs/command-doc.js";
import { UsageError } from "../../src/errors.js";
import type { CoreContext } from "../../src/plugins/core-context.js";
import { GROUP_NAME } from "../../src/security/groups.js";

/**
 * Adds a user to a group (groups are used by ACL rules and `@approval`).
 * @param user - the user, as the chat names them (`alice`, `@alice`, `console:alice`)
 * @param group - the group, like `ops` or `release-managers`
 * @example !auth add alice ops
 * @command auth add
 * @admin
 */
export async function authAdd(ctx: CoreContext, user: string, group: string): Promise<string> {
  const id = userId(ctx, user, "auth add");
  const g = groupName(ctx, group, "auth add");
  const added = await ctx.host.groups.add(id, g);
  return added ? `${id} is now in group ${g}.` : `${id} was already in group ${g}.`;
}

/**
 * Removes a user from a group.
 * @param user - the user
 * @param group - the group
 * @example !auth remove alice ops
 * @command auth remove
 * @admin
 */
export async function authRemove(ctx: CoreContext, user: string, group: string): Promise<string> {
  const id = userId(ctx, user, "auth remove");
  const g = groupName(ctx, group, "auth remove");
  const removed = await ctx.host.groups.remove(id, g);
  return removed ? `${id} is no longer in group ${g}.` : `${id} was not in group ${g}.`;
}

/**
 * Lists a user's groups (yours by default), or every group when asked by an admin with `all`.
 * @param user - the user (default: you)
 * @example !auth groups
 * @example !auth groups alice
 * @command auth groups
 * @admin
 */
export function authGroups(ctx: CoreContext, user?: string): string {
  const id = user === undefined ? ctx.user.id : userId(ctx, user, "auth groups");
  const groups = [...ctx.host.groups.groupsOf(id)].sort();
  const admin = ctx.host.isAdmin(id) ? " (and an admin, from the config)" : "";
  return groups.length ? `${id} is in: ${groups.join(", ")}${admin}.` : `${id} is in no group${admin}.`;
}

/**
 * Lists the members of a group.
 * @param group - the group
 * @example !auth members ops
 * @command auth members
 * @admin
 */
export function authMembers(ctx: CoreContext, group: string): string {
  const g = groupName(ctx, group, "auth members");
  const members = ctx.host.groups.members(g);
  if (members.length > 0) return `Group ${g}: ${members.join(", ")}.`;
  const known = ctx.host.groups.allGroups();
  return `Group ${g} has no members.${known.length ? ` Groups: ${known.join(", ")}.` : ""}`;
}

function userId(ctx: CoreContext, user: string, command: string): string {
  try {
    return ctx.host.qualifyUser(user);
  } catch (err) {
    if (err instanceof UsageError) throw new UsageError(`${err.message} ${usage(ctx, command)}`);
    throw err;
  }
}

function groupName(ctx: CoreContext, group: string, command: string): string {
  const g = group.toLowerCase().replace(/^group:/, "");
  if (!GROUP_NAME.test(g)) {
    throw new UsageError(
      `"${group}" is not a group name: letters, digits, "_", "." and "-", starting with a letter or digit. ` +
        usage(ctx, command),
    );
  }
  return g;
}

/** The command's usage line, as an arity error gives it. */
function usage(ctx: CoreContext, command: string): string {
  const doc = ctx.host.commands().find((c) => c.name === command)?.doc;
  return doc ? `Usage: \`${usageLine(doc, ctx.host.prefix)}\`.` : "";
}
