import { UsageError } from "../../src/errors.js";
import type { CoreContext } from "../../src/plugins/core-context.js";
import { describePermissions } from "../../src/plugins/manifest.js";
import { coerceSettings, describeSchema, maskSecrets, secretPaths } from "../../src/plugins/plugin-config.js";
import type { ManagedPlugin } from "../../src/plugins/plugin-manager.js";

/**
 * Lists the plugins: name, version, state, and why one is not active.
 * @example !plugin list
 * @command plugin list
 */
export function pluginList(ctx: CoreContext): string {
  const manager = ctx.host.pluginManager;
  const core = ctx.host.plugins().filter((p) => p.kind === "core");
  const lines = ["Plugins:"];
  for (const p of manager.list()) {
    lines.push(`  ${p.name} ${p.manifest.version}: ${p.status}${p.reason ? ` (${p.reason})` : ""}`);
  }
  for (const b of manager.broken()) lines.push(`  ${b.name}: failed (${b.reason})`);
  if (lines.length === 1) lines.push("  no sandboxed plugins yet");
  lines.push(`Built in: ${core.map((p) => p.name).join(", ")}.`);
  return lines.join("\n");
}

/**
 * Lists the plugins, like `!plugin list`.
 * @example !status plugins
 * @command status plugins
 */
export function statusPlugins(ctx: CoreContext): string {
  return pluginList(ctx);
}

/**
 * Shows everything about a plugin: version, source, permissions, limits, memory, commands, state and last error.
 * @param name - the plugin
 * @example !plugin info hello
 * @command plugin info
 */
export async function pluginInfo(ctx: CoreContext, name: string): Promise<string> {
  const core = ctx.host.plugins().find((p) => p.name === name && p.kind === "core");
  if (core) {
    const commands = ctx.host.commands().filter((c) => c.plugin === name && !c.doc.hidden);
    return [
      `${core.name} ${core.version}: ${core.description}`,
      "built in (runs in the bot, not in a sandbox)",
      `commands: ${commands.map((c) => `${ctx.host.prefix}${c.name}`).join(", ")}`,
    ].join("\n");
  }
  const broken = ctx.host.pluginManager.broken().find((b) => b.name === name || b.dir === name);
  if (broken && !ctx.host.pluginManager.has(name)) {
    return `${broken.name}: failed, it could not be loaded from ${broken.dir}\nwhy: ${broken.reason}`;
  }
  const p = ctx.host.pluginManager.get(name);
  const perms = describePermissions(p.manifest.permissions);
  const memory = p.sandbox?.isAlive
    ? `${(p.sandbox.memoryUsed() / 1024 / 1024).toFixed(1)} MiB`
    : "not running";
  return [
    `${p.name} ${p.manifest.version}: ${p.manifest.description}`,
    `state: ${p.status}${p.reason ? ` (${p.reason})` : ""}`,
    `source: ${p.source}`,
    `needs Errand: ${p.manifest.errand}`,
    `permissions: ${perms.length ? perms.join("; ") : "none"}`,
    `limits: ${p.limits.memoryMb} MB memory, ${p.limits.timeoutMs} ms CPU and ${p.limits.wallTimeoutMs} ms per call`,
    `memory: ${memory}; store: ${await p.store.usedBytes()} bytes`,
    `commands: ${commandsOf(ctx, p) || "none"}`,
    // Errors can carry what a plugin saw (hosts, payloads): only admins see their text.
    `last error: ${p.lastError === null ? "none" : ctx.host.isAdmin(ctx.user.id) ? p.lastError : "yes (admins see it)"}`,
  ].join("\n");
}

/**
 * Switches a plugin on; it stays on after restarts.
 * @param name - the plugin
 * @example !plugin activate hello
 * @command plugin activate
 * @admin
 */
export async function pluginActivate(ctx: CoreContext, name: string): Promise<string> {
  const p = await ctx.host.pluginManager.activate(name);
  return `${p.name} is active. Commands: ${commandsOf(ctx, p) || "none"}.`;
}

/**
 * Switches a plugin off: its commands are gone until it is activated again, also after restarts.
 * @param name - the plugin
 * @example !plugin deactivate hello
 * @command plugin deactivate
 * @admin
 */
export async function pluginDeactivate(ctx: CoreContext, name: string): Promise<string> {
  await ctx.host.pluginManager.deactivate(name);
  return `${name} is deactivated. \`${ctx.host.prefix}plugin activate ${name}\` brings it back.`;
}

/**
 * Rebuilds a plugin from its files and restarts it, keeping it active or inactive as it was.
 * If the new code does not load, the running version stays.
 * @param name - the plugin
 * @example !plugin reload hello
 * @command plugin reload
 * @admin
 */
export async function pluginReload(ctx: CoreContext, name: string): Promise<string> {
  const p = await ctx.host.pluginManager.reload(name);
  return `${p.name} ${p.manifest.version} reloaded; it is ${p.status}.`;
}

/**
 * Shows a plugin's config (its fields, and current values with secrets masked), or sets it:
 * `key=value ...` changes those keys, `{json}` replaces the whole config. A refused value changes nothing.
 * @param name - the plugin
 * @param settings - `key=value` pairs, or one JSON object
 * @remarks
 * Set secrets in a direct message with the bot: a room keeps them in its history.
 * @example !plugin config jenkins
 * @example !plugin config jenkins url=https://ci.example.com user=errand
 * @example !plugin config hello {"greeting": "Howdy"}
 * @command plugin config
 * @admin
 */
export async function pluginConfig(ctx: CoreContext, name: string, ...settings: string[]): Promise<string> {
  const manager = ctx.host.pluginManager;
  const p = manager.get(name);
  const schema = p.manifest.config;
  const raw = ctx.text.slice(ctx.text.indexOf(name) + name.length).trim();
  if (raw === "") return showConfig(ctx, p, await manager.currentConfig(name));
  let values: Record<string, unknown>;
  let mode: "merge" | "replace";
  if (raw.startsWith("{")) {
    values = parseJsonObject(raw);
    mode = "replace";
  } else {
    const stray = settings.filter((s) => !s.includes("="));
    if (stray.length > 0) {
      throw new UsageError(
        `"${stray[0]}" is not key=value. Usage: \`${ctx.host.prefix}plugin config ${name} key=value ...\`.`,
      );
    }
    values = coerceSettings(name, schema, { ...ctx.options });
    mode = "merge";
  }
  const secrets = secretPaths(schema).filter((path) => !path.includes(".") && values[path] !== undefined);
  if (secrets.length > 0 && !ctx.isDirect) {
    throw new UsageError(
      `${secrets.join(", ")} ${secrets.length === 1 ? "is a secret" : "are secrets"}: set ${secrets.length === 1 ? "it" : "them"} ` +
        "in a direct message with me, not in a room, which keeps its history. Nothing was changed.",
    );
  }
  const after = await manager.configure(name, values, mode);
  const keys = Object.keys(values);
  const state =
    after.status === "active"
      ? "it is active with the new config"
      : `it is ${after.status}${after.reason ? ` (${after.reason})` : ""}`;
  return `Config of ${name} ${mode === "replace" ? "replaced" : `updated (${keys.join(", ")})`}; ${state}.`;
}

function showConfig(ctx: CoreContext, p: ManagedPlugin, current: Record<string, unknown>): string {
  const fields = describeSchema(p.manifest.config);
  if (fields.length === 0) return `${p.name} takes no config.`;
  const masked = maskSecrets(p.manifest.config, current);
  const values = Object.entries(masked).map(
    ([k, v]) => `  ${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`,
  );
  return [
    `Config of ${p.name}:`,
    ...fields,
    "Current values:",
    ...(values.length ? values : ["  none set"]),
    `Set with \`${ctx.host.prefix}plugin config ${p.name} key=value ...\` (secrets in a direct message).`,
  ].join("\n");
}

function parseJsonObject(raw: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    throw new UsageError(
      `That is not valid JSON (${(err as Error).message}). Use key=value pairs, or one JSON object.`,
    );
  }
  if (!value || typeof value !== "object" || Array.isArray(value))
    throw new UsageError("The config must be one JSON object.");
  return value as Record<string, unknown>;
}

function commandsOf(ctx: CoreContext, p: ManagedPlugin): string {
  return p.build.docs
    .filter((d) => !d.internal && !d.hidden && !d.webhook && d.match === null)
    .map((d) => `${ctx.host.prefix}${d.command}`)
    .join(", ");
}
