import type { CoreContext } from "../../src/plugins/core-context.js";

/**
 * Lists the requests waiting for approval: id, who asked, what, who may approve, and when each expires.
 * @example !approvals
 */
export async function approvals(ctx: CoreContext): Promise<string> {
  const pending = await ctx.host.approvals.pending();
  if (pending.length === 0) return "No requests wait for approval.";
  const p = ctx.host.prefix;
  return [
    "Waiting for approval:",
    ...pending.map(
      (r) =>
        `  ${r.id}: ${r.requester.name} asks \`${p}${r.text}\`${r.room ? ` in ${r.room}` : ""}; ` +
        `group ${r.group} approves; expires ${r.expiresAt.replace("T", " ").slice(0, 16)} UTC`,
    ),
  ].join("\n");
}

/**
 * Approves a request: it runs at once, as the person who asked, where they asked. You must be in the
 * request's group, and not the one who asked.
 * @param id - the request id
 * @example !approve 4f2a9c
 */
export async function approve(ctx: CoreContext, id: string): Promise<string> {
  const request = await ctx.host.approvals.take(id, ctx.user.id, (user, group) =>
    ctx.host.groups.isMember(user, group),
  );
  await ctx.reply(
    `Approved ${request.id}: running \`${ctx.host.prefix}${request.text}\` for ${request.requester.name}` +
      `${request.room ? ` in ${request.room}` : ""}.`,
  );
  await ctx.host.runApproved(request, ctx.user.id);
  return "";
}

/**
 * Drops a request without running it (its group's members, the requester, or an admin).
 * @param id - the request id
 * @example !deny 4f2a9c
 */
export async function deny(ctx: CoreContext, id: string): Promise<string> {
  const request = await ctx.host.approvals.deny(
    id,
    (r) =>
      r.requester.id === ctx.user.id ||
      ctx.host.groups.isMember(ctx.user.id, r.group) ||
      ctx.host.isAdmin(ctx.user.id),
  );
  return `Request ${request.id} (\`${ctx.host.prefix}${request.text}\` by ${request.requester.name}) was denied; it will not run.`;
}
