import { UsageError } from "../../src/errors.js";
import type { CoreContext } from "../../src/plugins/core-context.js";

/**
 * Repeats your text back, exactly as you typed it.
 * @param text - what to repeat
 * @example !echo hello "quoted words" stay as typed
 */
export function echo(ctx: CoreContext, ...text: string[]): string {
  if (text.length === 0 && ctx.text === "")
    throw new UsageError(`Nothing to echo. Usage: \`${ctx.host.prefix}echo TEXT\`.`);
  return ctx.text;
}

/**
 * Shows who the bot thinks you are: your id, name, backend, and whether you are an admin.
 * @example !whoami
 */
export function whoami(ctx: CoreContext): string {
  const admin = ctx.host.isAdmin(ctx.user.id);
  return [
    `user: ${ctx.user.name}`,
    `id: ${ctx.user.id}`,
    `backend: ${ctx.host.backendName}`,
    `admin: ${admin ? "yes" : "no"}`,
    `where: ${ctx.room ?? "direct message"}`,
  ].join("\n");
}
