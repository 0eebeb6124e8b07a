import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command } from "../commands/command.js";
import type { CommandRegistry } from "../commands/registry.js";
import { isChatCommand } from "../docs/command-doc.js";
import {
  isErrandError,
  NotFoundError,
  PermissionDeniedError,
  PluginConfigError,
  PluginFailedError,
  PluginLimitError,
} from "../errors.js";
import type { Logger } from "../log.js";
import { hostVersion } from "../paths.js";
import type { Context } from "../plugin-api/context.js";
import { buildPlugin, type PluginBuild } from "../sandbox/build-plugin.js";
import { compileNetRules } from "../sandbox/net-policy.js";
import { pluginFetch } from "../sandbox/plugin-http.js";
import { type GuestCall, type MatchPattern, type PatternMatch, Sandbox } from "../sandbox/sandbox.js";
import type { TimerOrigin } from "../scheduler/plugin-timers.js";
import { MIN_MASKED_LENGTH } from "../security/mask-secret-values.js";
import type { Journal } from "../storage/journal.js";
import type { JsonSublevel } from "../storage/store.js";
import { randomUUID } from "../util/lazy-crypto.js";
import {
  describePermissions,
  loadManifest,
  type PluginLimits,
  type PluginManifest,
  type PluginPermissions,
} from "./manifest.js";
import { missingRequired, secretPaths, validatePluginConfig } from "./plugin-config.js";
import { PluginStore } from "./plugin-store.js";

export type PluginStatus = "active" | "inactive" | "needs-config" | "waiting-approval" | "failed";

/** Which permissions an admin approved: "all" for plugins the admin's own config loads. */
export type Approval = PluginPermissions | "all";

export interface AddOptions {
  /** The repo it came from, named in approval messages. */
  repo?: string;
  approved?: Approval;
}

/** What is stored per plugin: the admin's intent and the config set from chat. */
interface PluginRecord {
  active: boolean;
  /** Why it is inactive, when the bot (not an admin) turned it off: kept across restarts. */
  inactiveReason?: string;
  config?: Record<string, unknown>;
}

export interface ManagedPlugin {
  name: string;
  dir: string;
  /** Where it came from, as shown in `!plugin info`. */
  source: string;
  manifest: PluginManifest;
  build: PluginBuild;
  status: PluginStatus;
  /** Why it is not active (failed, needs config, deactivated after failures). */
  reason: string | null;
  limits: PluginLimits;
  store: PluginStore;
  failuresInARow: number;
  /** One of its calls once ran more than 10 ms of CPU: its sandboxes run on isolated-vm's threads (see Sandbox). */
  offMainThread: boolean;
  lastError: string | null;
  sandbox: Sandbox | null;
  config: Readonly<Record<string, unknown>>;
  /** Its `@match` listeners, read when it was activated; they run in its sandbox. */
  matchers: MatchPattern[];
  repo: string | null;
  approved: Approval;
}

/** A plugin folder that could not even be read: shown in lists so an admin sees why. */
export interface BrokenPlugin {
  name: string;
  dir: string;
  reason: string;
}

/** What the plugin manager needs of the timer service (`ctx.schedule`). */
export interface TimerHost {
  after(plugin: string, fn: string, ms: number, data: unknown, origin: TimerOrigin): Promise<string>;
  every(
    plugin: string,
    fn: string,
    spec: number | string,
    data: unknown,
    origin: TimerOrigin,
  ): Promise<string>;
  cancel(plugin: string, id: string): Promise<boolean>;
  /** Drops all of a plugin's timers: it was deactivated or removed. */
  dropPlugin(plugin: string): Promise<number>;
}

export interface PluginManagerOptions {
  timers: TimerHost;
  db: JsonSublevel;
  storeDb: JsonSublevel;
  /** Group commit for plugin store writes. */
  journal: Journal;
  registry: CommandRegistry;
  log: Logger;
  buildCacheDir: string;
  limits: { defaults: PluginLimits; max: PluginLimits };
  storeQuotaBytes: number;
  /** Plugin config from the bot's config file; chat settings win, key by key. */
  fileConfig: Readonly<Record<string, Record<string, unknown>>>;
  /** Posts outside a command (admin notices). */
  notifyAdmins(text: string): Promise<void>;
  /** Names of the built-in plugins: no sandboxed plugin may take one (ACL rules like `help:*` name them). */
  reservedNames?: ReadonlySet<string>;
}

export const FAILURES_BEFORE_DEACTIVATION = 3;
const MAX_REPLY_CHARS = 40_000;
const MAX_MESSAGES_PER_CALL = 20;

/** A live call: the context it answers through, and how many messages it has posted. */
interface LiveCall {
  ctx: Context;
  messages: number;
}

/**
 * Loads sandboxed plugins from folders, runs them in their isolates, and turns them on and off.
 * Activation state and config are stored, so a restart brings every plugin back as it was.
 */
export class PluginManager {
  readonly #opts: PluginManagerOptions;
  readonly #plugins = new Map<string, ManagedPlugin>();
  readonly #broken = new Map<string, BrokenPlugin>();
  readonly #calls = new Map<string, { plugin: string; call: LiveCall }>();
  /** Secret config keys and values of all plugins, for masking; null when a config or plugin changed. */
  #secretsCache: { keys: readonly string[]; values: readonly string[] } | null = null;
  /** Serializes state changes per plugin, so two admins' commands never interleave. */
  readonly #locks = new Map<string, Promise<unknown>>();
  /** Sandboxes being restarted after a limit stopped them, so that messages arriving meanwhile share one. */
  readonly #restarting = new WeakMap<ManagedPlugin, Promise<Sandbox>>();

  constructor(options: PluginManagerOptions) {
    this.#opts = options;
  }

  /** Loads a plugin folder, or every plugin in the sub-folders of a repo folder. Never throws. */
  async loadPath(path: string): Promise<void> {
    const dir = resolve(path);
    const dirs = existsSync(join(dir, "plugin.json"))
      ? [dir]
      : existsSync(dir)
        ? readdirSync(dir, { withFileTypes: true })
            .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, "plugin.json")))
            .map((d) => join(dir, d.name))
        : [];
    if (dirs.length === 0) {
      this.#broken.set(dir, { name: dir, dir, reason: `no plugin.json in ${dir} or its sub-folders` });
      return;
    }
    for (const d of dirs) {
      try {
        await this.add(d, d);
      } catch (err) {
        const reason = isErrandError(err) ? err.message : String(err);
        this.#opts.log.warn({ dir: d, err }, "plugin not loaded");
        this.#broken.set(d, { name: d, dir: d, reason });
      }
    }
  }

  /**
   * Throws unless `name` may be used by a plugin of `repo` (null: a plugin folder): it is not a built-in
   * plugin's, and no plugin of another repo or folder holds it. Keeps one repo from taking over another's
   * plugin, with its config, secrets and store.
   */
  checkNameFree(name: string, repo: string | null): void {
    this.#checkNotReserved(name);
    const holder = this.#plugins.get(name);
    if (holder && holder.repo !== repo) {
      throw new PluginFailedError(
        holder.repo
          ? `A plugin called ${name} is already installed from repo ${holder.repo}; names are unique. Rename the plugin in its plugin.json.`
          : `A plugin called ${name} is already loaded from ${holder.source}; names are unique. Rename the plugin in its plugin.json.`,
      );
    }
  }

  /** Reads, builds and registers a plugin; activates it unless an admin deactivated it. */
  async add(dir: string, source: string, options: AddOptions = {}): Promise<ManagedPlugin> {
    const manifest = loadManifest(dir, hostVersion);
    this.#checkNotReserved(manifest.name);
    const existing = this.#plugins.get(manifest.name);
    if (existing && existing.dir !== dir) {
      throw new PluginFailedError(
        `A plugin called ${manifest.name} is already loaded from ${existing.source}; names are unique.`,
      );
    }
    const build = await buildPlugin(dir, manifest, this.#opts.buildCacheDir);
    const record = await this.#record(manifest.name);
    const plugin: ManagedPlugin = {
      name: manifest.name,
      dir,
      source,
      manifest,
      build,
      status: "inactive",
      reason: record.active ? null : inactiveReason(record),
      limits: this.#limitsFor(manifest),
      store: new PluginStore(
        this.#opts.storeDb,
        manifest.name,
        this.#opts.storeQuotaBytes,
        this.#opts.journal,
      ),
      failuresInARow: 0,
      offMainThread: false,
      lastError: null,
      sandbox: null,
      config: Object.freeze({}),
      matchers: [],
      repo: options.repo ?? null,
      approved: options.approved ?? "all",
    };
    this.#keep(plugin);
    this.#broken.delete(dir);
    const unapproved = unapprovedPermissions(manifest.permissions, plugin.approved);
    if (unapproved.length > 0) {
      this.#setStatus(plugin, "waiting-approval", approvalReason(plugin, unapproved));
    } else if (record.active) {
      try {
        await this.#activate(plugin, record);
      } catch (err) {
        plugin.lastError = (err as Error).message;
        this.#opts.log.warn({ plugin: plugin.name, err }, "plugin not activated");
      }
    }
    return plugin;
  }

  list(): ManagedPlugin[] {
    return [...this.#plugins.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Every secret config value in force (long enough to mask), longest first. */
  secretValues(): readonly string[] {
    return this.#secrets().values;
  }

  /** The names of every plugin's secret config keys (`token`), to mask `token=...` in command texts. */
  secretKeys(): readonly string[] {
    return this.#secrets().keys;
  }

  /** Worked out again only after a config or a plugin changed: they are asked for on every reply. */
  #secrets(): { keys: readonly string[]; values: readonly string[] } {
    if (this.#secretsCache) return this.#secretsCache;
    const plugins = [...this.#plugins.values()].map((p) => ({ p, paths: secretPaths(p.manifest.config) }));
    this.#secretsCache = {
      keys: [
        ...new Set(plugins.flatMap(({ paths }) => paths.map((path) => path.split(".").at(-1) as string))),
      ],
      values: plugins
        .flatMap(({ p, paths }) => paths.map((path) => valueAt(p.config, path)))
        .filter((v): v is string => typeof v === "string" && v.length >= MIN_MASKED_LENGTH)
        .sort((a, b) => b.length - a.length),
    };
    return this.#secretsCache;
  }

  broken(): BrokenPlugin[] {
    return [...this.#broken.values()];
  }

  /** The only ways into and out of `#plugins`: each change of plugins changes which secrets there are. */
  #keep(plugin: ManagedPlugin): void {
    this.#plugins.set(plugin.name, plugin);
    this.#secretsCache = null;
  }

  #forget(name: string): void {
    this.#plugins.delete(name);
    this.#secretsCache = null;
  }

  #checkNotReserved(name: string): void {
    if (this.#opts.reservedNames?.has(name)) {
      throw new PluginFailedError(
        `${name} is the name of a built-in plugin; rename the plugin in its plugin.json.`,
      );
    }
  }

  /** A plugin that could not be loaded (from a repo), kept with its reason so `!repos` and `!plugin` can say why. */
  markBroken(name: string, dir: string, reason: string): void {
    this.#broken.set(dir, { name, dir, reason });
  }

  /** Forgets the failures of plugins under `dir` (their repo was updated or removed). */
  forgetBrokenUnder(dir: string): void {
    for (const d of this.#broken.keys()) if (d === dir || d.startsWith(`${dir}/`)) this.#broken.delete(d);
  }

  get(name: string): ManagedPlugin {
    const p = this.#plugins.get(name);
    if (!p) {
      const known = [...this.#plugins.keys()];
      throw new NotFoundError(
        `No plugin called ${name}.${known.length ? ` Plugins: ${known.join(", ")}.` : ""}`,
      );
    }
    return p;
  }

  has(name: string): boolean {
    return this.#plugins.has(name);
  }

  async activate(name: string): Promise<ManagedPlugin> {
    return this.#locked(name, async () => {
      const plugin = this.get(name);
      if (plugin.status === "active") return plugin;
      const unapproved = unapprovedPermissions(plugin.manifest.permissions, plugin.approved);
      if (unapproved.length > 0)
        throw new PermissionDeniedError(`Plugin ${name} is ${approvalReason(plugin, unapproved)}.`);
      const record = await this.#record(name);
      await this.#activate(plugin, { ...record, active: true });
      return plugin;
    });
  }

  /** Records that an admin approved the permissions it asks for, and activates it unless deactivated. */
  async approve(name: string): Promise<ManagedPlugin> {
    return this.#locked(name, async () => {
      const plugin = this.get(name);
      plugin.approved = plugin.manifest.permissions;
      const record = await this.#record(name);
      if (plugin.status === "waiting-approval")
        this.#setStatus(plugin, "inactive", record.active ? null : inactiveReason(record));
      if (record.active && plugin.status !== "active") await this.#activate(plugin, record);
      return plugin;
    });
  }

  /** Takes a plugin out: its commands, sandbox, stored record and store are gone (export them first). */
  /** What a backup needs: config set from chat, activation state, and the store. */
  async exportState(
    name: string,
  ): Promise<{ config: Record<string, unknown>; active: boolean; store: Record<string, unknown> }> {
    const plugin = this.get(name);
    const record = await this.#record(name);
    return { config: record.config ?? {}, active: record.active, store: await plugin.store.entries() };
  }

  async remove(name: string): Promise<void> {
    return this.#locked(name, async () => {
      const plugin = this.get(name);
      this.#stop(plugin, "inactive", "removed");
      await this.#opts.timers.dropPlugin(name);
      this.#forget(name);
      await plugin.store.clear();
      await this.#opts.db.del(name);
    });
  }

  async deactivate(name: string, reason = "deactivated by an admin"): Promise<ManagedPlugin> {
    return this.#locked(name, async () => {
      const plugin = this.get(name);
      this.#stop(plugin, "inactive", reason);
      await this.#opts.timers.dropPlugin(name);
      await this.#saveRecord(name, {
        ...(await this.#record(name)),
        active: false,
        inactiveReason: undefined,
      });
      return plugin;
    });
  }

  /**
   * Re-reads and rebuilds the plugin from its folder (or from `from`, a new checkout). An active plugin
   * is switched to the new build only once the new build loads; if it does not, the old one keeps
   * running. Activation state is kept. A new version that asks for more permissions is refused.
   */
  async reload(name: string, from?: { dir: string; source: string }): Promise<ManagedPlugin> {
    return this.#locked(name, async () => {
      const old = this.get(name);
      const dir = from?.dir ?? old.dir;
      const manifest = loadManifest(dir, hostVersion);
      if (manifest.name !== name) {
        throw new PluginFailedError(
          `${dir}/plugin.json now names the plugin ${manifest.name}; rename it back to ${name}.`,
        );
      }
      const unapproved = unapprovedPermissions(manifest.permissions, old.approved);
      if (unapproved.length > 0) {
        throw new PermissionDeniedError(
          `The new version of ${name} asks for more: ${unapproved.join("; ")}. The running version stays.`,
        );
      }
      const build = await buildPlugin(dir, manifest, this.#opts.buildCacheDir);
      const record = await this.#record(name);
      const next: ManagedPlugin = {
        ...old,
        dir,
        source: from?.source ?? old.source,
        manifest,
        build,
        limits: this.#limitsFor(manifest),
        failuresInARow: 0,
        offMainThread: false,
        sandbox: null,
      };
      if (old.status !== "active") {
        // Nothing runs: take the new code, keep the state (inactive, waiting, or a retry of a failed one).
        this.#keep(next);
        if (record.active && old.status !== "waiting-approval")
          await this.#activate(next, record).catch(() => {});
        return next;
      }
      // Load the new build beside the old one before switching, so a broken build changes nothing.
      const config = this.#effectiveConfig(next, record);
      const sandbox = await this.#createSandbox(next, config);
      this.#stop(old, "inactive", null);
      this.#keep(next);
      try {
        this.#start(next, sandbox, config);
      } catch (err) {
        sandbox.dispose();
        this.#keep(old);
        await this.#activate(old, record);
        throw err;
      }
      return next;
    });
  }

  /**
   * Sets config: `replace` for a whole new config, otherwise key by key. Refused values change nothing.
   * An active (or waiting) plugin is restarted with the new config.
   */
  async configure(
    name: string,
    values: Record<string, unknown>,
    mode: "merge" | "replace",
  ): Promise<ManagedPlugin> {
    return this.#locked(name, async () => {
      const plugin = this.get(name);
      const record = await this.#record(name);
      const chatConfig = mode === "replace" ? values : { ...(record.config ?? {}), ...values };
      const next: PluginRecord = { ...record, config: chatConfig };
      const merged = this.#mergedConfig(name, next);
      const missing = missingRequired(plugin.manifest.config, merged);
      validatePluginConfig(
        name,
        missing.length ? withoutRequired(plugin.manifest.config) : plugin.manifest.config,
        merged,
      );
      await this.#saveRecord(name, next);
      if (
        next.active &&
        (plugin.status === "active" || plugin.status === "needs-config" || plugin.status === "failed")
      ) {
        this.#stop(plugin, "inactive", null);
        await this.#activate(plugin, next).catch((err) => {
          if (!(err instanceof PluginConfigError)) throw err;
        });
      }
      return plugin;
    });
  }

  /** The config from chat and file, merged (for display; secrets must be masked by the caller). */
  async currentConfig(name: string): Promise<Record<string, unknown>> {
    return this.#mergedConfig(name, await this.#record(name));
  }

  /** Runs one exported function for a message, within the plugin's limits. */
  async invoke(
    name: string,
    exportName: string,
    ctx: Context,
    positional: unknown[],
    match: string[] = [],
    raw = false,
  ): Promise<unknown> {
    const plugin = this.get(name);
    if (plugin.status !== "active")
      throw new PluginFailedError(
        `Plugin ${name} is not active${plugin.reason ? `: ${plugin.reason}` : ""}.`,
      );
    // Running (nearly always): taken as it is, without an await.
    const sandbox = plugin.sandbox?.isAlive ? plugin.sandbox : await this.#liveSandbox(plugin);
    const token = randomUUID();
    this.#calls.set(token, { plugin: name, call: { ctx, messages: 0 } });
    // Sent as copies (strings, flags and JSON): the guest never holds these objects.
    const data: GuestCall = {
      token,
      args: ctx.args,
      positional,
      raw,
      options: ctx.options,
      text: ctx.text,
      match,
      user: ctx.user,
      room: ctx.room,
      thread: ctx.thread,
      isDirect: ctx.isDirect,
    };
    try {
      const result = await sandbox.call(exportName, data);
      plugin.failuresInARow = 0;
      if (raw) return result;
      return Array.isArray(result)
        ? limitText(result.join("\n"))
        : result === null
          ? null
          : limitText(String(result));
    } catch (err) {
      plugin.lastError = (err as Error).message;
      if (err instanceof PluginLimitError) await this.#countFailure(plugin, err);
      throw err;
    } finally {
      this.#calls.delete(token);
    }
  }

  /** The plugin, not active now, that would run this command (longest match), e.g. one waiting for config. */
  inactiveCommandOwner(words: string[]): { plugin: ManagedPlugin; command: string } | null {
    const said = words.map((w) => w.toLowerCase());
    let best: { plugin: ManagedPlugin; command: string; length: number } | null = null;
    for (const plugin of this.#plugins.values()) {
      if (plugin.status === "active") continue;
      for (const doc of plugin.build.docs.filter(isChatCommand)) {
        const cmd = doc.command.split(" ");
        if (cmd.length > (best?.length ?? 0) && cmd.every((w, i) => w === said[i]))
          best = { plugin, command: doc.command, length: cmd.length };
      }
    }
    return best && { plugin: best.plugin, command: best.command };
  }

  /** Active plugins with `@match` listeners. */
  listeningPlugins(): string[] {
    return this.list()
      .filter((p) => p.status === "active" && p.matchers.length > 0)
      .map((p) => p.name);
  }

  /**
   * The `@match` functions of an active plugin whose pattern matches the text. The patterns are tested in
   * the plugin's sandbox, under its limits; a test over a limit counts as a failure of the plugin.
   */
  async match(name: string, text: string): Promise<PatternMatch[]> {
    const plugin = this.get(name);
    if (plugin.status !== "active" || plugin.matchers.length === 0) return [];
    try {
      return await (await this.#liveSandbox(plugin)).match(text);
    } catch (err) {
      plugin.lastError = (err as Error).message;
      if (err instanceof PluginLimitError) await this.#countFailure(plugin, err);
      throw err;
    }
  }

  stopAll(): void {
    for (const p of this.#plugins.values()) p.sandbox?.dispose();
  }

  async #activate(plugin: ManagedPlugin, record: PluginRecord): Promise<void> {
    const config = this.#effectiveConfig(plugin, record);
    const sandbox = await this.#createSandbox(plugin, config).catch((err) => {
      this.#setStatus(plugin, "failed", (err as Error).message);
      throw err;
    });
    try {
      this.#start(plugin, sandbox, config);
    } catch (err) {
      sandbox.dispose();
      this.#setStatus(plugin, "failed", (err as Error).message);
      throw err;
    }
    await this.#saveRecord(plugin.name, { ...record, active: true, inactiveReason: undefined });
  }

  /** Registers the plugin's commands on a loaded sandbox and marks it active. */
  #start(plugin: ManagedPlugin, sandbox: Sandbox, config: Readonly<Record<string, unknown>>): void {
    const documented = plugin.build.docs.filter((d) => !d.internal);
    const missing = documented.filter((d) => !sandbox.exports.includes(d.exportName));
    if (missing.length > 0) {
      throw new PluginFailedError(
        `Plugin ${plugin.name} documents ${missing.map((d) => d.exportName).join(", ")} but does not export it as a function.`,
      );
    }
    const matchers = matchPatterns(plugin);
    const commands: Command[] = plugin.build.docs.filter(isChatCommand).map((doc) => ({
      name: doc.command,
      words: doc.command.split(" "),
      plugin: plugin.name,
      doc,
      run: (ctx, positional) => this.invoke(plugin.name, doc.exportName, ctx as Context, positional),
    }));
    this.#opts.registry.registerAll(commands);
    plugin.sandbox = sandbox;
    plugin.config = config;
    this.#secretsCache = null;
    plugin.matchers = matchers;
    plugin.failuresInARow = 0;
    this.#setStatus(plugin, "active", null);
  }

  #stop(plugin: ManagedPlugin, status: PluginStatus, reason: string | null): void {
    this.#opts.registry.unregisterPlugin(plugin.name);
    plugin.sandbox?.dispose();
    plugin.sandbox = null;
    this.#setStatus(plugin, status, reason);
  }

  #setStatus(plugin: ManagedPlugin, status: PluginStatus, reason: string | null): void {
    plugin.status = status;
    plugin.reason = reason;
  }

  #effectiveConfig(plugin: ManagedPlugin, record: PluginRecord): Readonly<Record<string, unknown>> {
    const merged = this.#mergedConfig(plugin.name, record);
    const missing = missingRequired(plugin.manifest.config, merged);
    if (missing.length > 0) {
      const how = missing.map((k) => `${k}=...`).join(" ");
      const reason = `needs config: set ${missing.join(", ")} with \`!plugin config ${plugin.name} ${how}\``;
      this.#setStatus(plugin, "needs-config", reason);
      throw new PluginConfigError(`Plugin ${plugin.name} ${reason}.`);
    }
    return validatePluginConfig(plugin.name, plugin.manifest.config, merged);
  }

  #mergedConfig(name: string, record: PluginRecord): Record<string, unknown> {
    return { ...(this.#opts.fileConfig[name] ?? {}), ...(record.config ?? {}) };
  }

  /** The running sandbox of an active plugin, started again when a limit stopped it. */
  async #liveSandbox(plugin: ManagedPlugin): Promise<Sandbox> {
    if (plugin.sandbox?.isAlive) return plugin.sandbox;
    let restarting = this.#restarting.get(plugin);
    if (!restarting) {
      restarting = this.#createSandbox(plugin, plugin.config).finally(() => this.#restarting.delete(plugin));
      this.#restarting.set(plugin, restarting);
    }
    const sandbox = await restarting;
    if (plugin.status !== "active" || this.#plugins.get(plugin.name) !== plugin) {
      // Deactivated, reloaded or removed while it started.
      sandbox.dispose();
      throw new PluginFailedError(
        `Plugin ${plugin.name} is not active${plugin.reason ? `: ${plugin.reason}` : ""}.`,
      );
    }
    if (plugin.sandbox?.isAlive && plugin.sandbox !== sandbox) {
      // Reconfigured meanwhile: keep the sandbox with the new config.
      sandbox.dispose();
      return plugin.sandbox;
    }
    plugin.sandbox = sandbox;
    return sandbox;
  }

  async #createSandbox(plugin: ManagedPlugin, config: Readonly<Record<string, unknown>>): Promise<Sandbox> {
    const rules = compileNetRules(plugin.manifest.permissions.net, config);
    const log = this.#opts.log.child({ plugin: plugin.name });
    const thread = {
      // Once moved off, a sandbox started again (after a limit) stays off: a plugin holds the bot up once.
      onMainThread: !plugin.offMainThread,
      movedOff: () => {
        plugin.offMainThread = true;
      },
    };
    return Sandbox.create(
      plugin.name,
      { code: plugin.build.code, config },
      plugin.limits,
      matchPatterns(plugin),
      thread,
      {
        plugin: plugin.name,
        isLiveToken: (token) => this.#calls.get(token)?.plugin === plugin.name,
        reply: async (token, text) => this.#liveCall(token).ctx.reply(limitText(text)),
        send: async (token, target, text) => this.#liveCall(token).ctx.send(target, limitText(text)),
        store: {
          peek: (key) => plugin.store.peek(key),
          apply: (writes) => plugin.store.apply(writes),
          list: (prefix) => plugin.store.list(prefix),
        },
        storeLimits: plugin.store.limits,
        http: (request) => pluginFetch(plugin.name, request, rules),
        schedule: {
          after: (token, ms, fn, data) =>
            this.#timers(plugin, fn).after(plugin.name, fn, ms, data, this.#origin(token)),
          every: (token, spec, fn, data) =>
            this.#timers(plugin, fn).every(plugin.name, fn, spec, data, this.#origin(token)),
          cancel: (_token, id) => this.#timers(plugin).cancel(plugin.name, id),
        },
        log: (level, message) => log[level](message),
      },
    );
  }

  /** The timer service, once the plugin may use it and `fn` is one of its exported functions. */
  #timers(plugin: ManagedPlugin, fn?: string): TimerHost {
    if (!plugin.manifest.permissions.schedule) {
      throw new PermissionDeniedError(
        `Plugin ${plugin.name} may not use timers: its plugin.json does not ask for "schedule" in permissions.`,
      );
    }
    if (fn !== undefined && plugin.sandbox && !plugin.sandbox.exports.includes(fn)) {
      throw new PermissionDeniedError(
        `Plugin ${plugin.name}: timers call exported functions; "${fn}" is not one.`,
      );
    }
    return this.#opts.timers;
  }

  /** The conversation of a live call: where its timers will answer. */
  #origin(token: string): TimerOrigin {
    const live = this.#calls.get(token);
    if (!live) throw new PermissionDeniedError("This call has finished; it cannot set timers any more.");
    const { ctx } = live.call;
    return {
      user: { ...ctx.user, isBot: false },
      room: ctx.room,
      thread: ctx.thread,
      isDirect: ctx.isDirect,
    };
  }

  /** The `@webhook` function `hook` of an active plugin that may receive webhooks, with its secret. */
  webhook(name: string, hook: string): { exportName: string; secret: string | null } {
    const plugin = this.#plugins.get(name);
    const doc = plugin?.build.docs.find((d) => d.webhook && d.exportName === hook && !d.internal);
    if (plugin?.status !== "active" || !plugin.manifest.permissions.webhooks || !doc) {
      throw new NotFoundError(`No webhook ${hook} on an active plugin ${name} that may receive webhooks.`);
    }
    const secret = plugin.config.webhookSecret;
    const signed = typeof secret === "string" && secret !== "" && !doc.unsigned;
    return { exportName: doc.exportName, secret: signed ? (secret as string) : null };
  }

  #liveCall(token: string): LiveCall {
    const live = this.#calls.get(token);
    if (!live) throw new PermissionDeniedError("This command has finished; it cannot post any more.");
    live.call.messages++;
    if (live.call.messages > MAX_MESSAGES_PER_CALL) {
      throw new PermissionDeniedError(
        `Plugin ${live.plugin} posted more than ${MAX_MESSAGES_PER_CALL} messages for one command.`,
      );
    }
    return live.call;
  }

  async #countFailure(plugin: ManagedPlugin, err: PluginLimitError): Promise<void> {
    plugin.failuresInARow++;
    if (plugin.failuresInARow < FAILURES_BEFORE_DEACTIVATION) return;
    const reason = `deactivated after ${plugin.failuresInARow} failures in a row (last: ${err.message})`;
    this.#stop(plugin, "inactive", reason);
    await this.#opts.timers.dropPlugin(plugin.name);
    await this.#saveRecord(plugin.name, {
      ...(await this.#record(plugin.name)),
      active: false,
      inactiveReason: reason,
    });
    this.#opts.log.error({ plugin: plugin.name }, reason);
    await this.#opts
      .notifyAdmins(`Plugin ${plugin.name} was ${reason}. Fix it, then \`!plugin activate ${plugin.name}\`.`)
      .catch((e) => this.#opts.log.error({ err: e }, "could not tell the admins"));
  }

  #limitsFor(manifest: PluginManifest): PluginLimits {
    const { defaults, max } = this.#opts.limits;
    const pick = (k: keyof PluginLimits) => Math.min(manifest.limits[k] ?? defaults[k], max[k]);
    return { memoryMb: pick("memoryMb"), timeoutMs: pick("timeoutMs"), wallTimeoutMs: pick("wallTimeoutMs") };
  }

  async #record(name: string): Promise<PluginRecord> {
    return ((await this.#opts.db.get(name)) as PluginRecord | undefined) ?? { active: true };
  }

  async #saveRecord(name: string, record: PluginRecord): Promise<void> {
    await this.#opts.db.put(name, record);
  }

  async #locked<T>(name: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#locks.get(name) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(work);
    this.#locks.set(name, next);
    try {
      return await next;
    } finally {
      if (this.#locks.get(name) === next) this.#locks.delete(name);
    }
  }
}

/** What the manifest asks for beyond what was approved, described for people. */
export function unapprovedPermissions(asked: PluginPermissions, approved: Approval): string[] {
  if (approved === "all") return [];
  const extra: PluginPermissions = {
    net: asked.net.filter((n) => !approved.net.includes(n)),
    webhooks: asked.webhooks && !approved.webhooks,
    schedule: asked.schedule && !approved.schedule,
  };
  return describePermissions(extra);
}

function approvalReason(plugin: ManagedPlugin, unapproved: string[]): string {
  return `waiting for approval of: ${unapproved.join("; ")} (an admin runs \`!repos approve ${plugin.repo ?? plugin.name}\`)`;
}

function limitText(text: string): string {
  if (text.length <= MAX_REPLY_CHARS) return text;
  return `${text.slice(0, MAX_REPLY_CHARS)}\n… (cut: the reply was ${text.length} characters; the limit is ${MAX_REPLY_CHARS})`;
}

/**
 * The plugin's `@match` patterns: `/source/flags`, or a bare source (case-insensitive). Their syntax is
 * checked here, with `new RegExp`: compiling is safe, but only the plugin's sandbox ever runs them.
 */
function matchPatterns(plugin: ManagedPlugin): MatchPattern[] {
  return plugin.build.docs
    .filter((d) => d.match !== null && !d.internal)
    .map((d) => {
      const raw = d.match as string;
      const literal = /^\/(.*)\/([a-z]*)$/.exec(raw);
      const source = literal ? (literal[1] as string) : raw;
      const flags = literal ? (literal[2] as string) : "i";
      try {
        new RegExp(source, flags);
      } catch (err) {
        const message = `Plugin ${plugin.name}: @match ${raw} is not a valid regular expression.`;
        throw new PluginFailedError(message, { cause: err });
      }
      return { exportName: d.exportName, source, flags };
    });
}

function withoutRequired(schema: Record<string, unknown> | null): Record<string, unknown> | null {
  if (!schema) return schema;
  const { required: _, ...rest } = schema;
  return rest;
}

/** The value at "a.b.c" in a config, if any. */
function valueAt(config: Readonly<Record<string, unknown>>, path: string): unknown {
  let node: unknown = config;
  for (const part of path.split(".")) node = (node as Record<string, unknown> | undefined)?.[part];
  return node;
}

function inactiveReason(record: PluginRecord): string {
  return record.inactiveReason ?? "deactivated by an admin";
}
