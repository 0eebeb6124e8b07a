import { join } from "node:path";
import type { Backend, IncomingMessage } from "./backends/backend.js";
import type { Command } from "./commands/command.js";
import { createContext } from "./commands/create-context.js";
import { Dispatcher, type Listener } from "./commands/dispatcher.js";
import { HandlingTimes } from "./commands/handling-times.js";
import { tokenize } from "./commands/parse-message.js";
import { CommandRegistry } from "./commands/registry.js";
import { Replies } from "./commands/replies.js";
import type { BotConfig } from "./config/load-config.js";
import { ConfigError, UsageError } from "./errors.js";
import { HistoryLog } from "./history/history-log.js";
import type { HookRequest } from "./http/http-server.js";
import { type Logger, setLogMask } from "./log.js";
import { hostVersion, packageRoot } from "./paths.js";
import type { Context } from "./plugin-api/context.js";
import { type CorePluginEntry, loadCoreCatalog } from "./plugins/core-catalog.js";
import type { CoreContext, HostServices, PluginSummary } from "./plugins/core-context.js";
import { loadCorePlugins } from "./plugins/load-core-plugins.js";
import { PluginManager } from "./plugins/plugin-manager.js";
import { RepoManager } from "./repos/repo-manager.js";
import { ChatSchedules, type ScheduleRecord } from "./scheduler/chat-schedules.js";
import { type Clock, systemClock } from "./scheduler/clock.js";
import { PluginTimers, type TimerRecord } from "./scheduler/plugin-timers.js";
import { Scheduler } from "./scheduler/scheduler.js";
import { decide, parseRule } from "./security/acl.js";
import { AclStore } from "./security/acl-store.js";
import { type ApprovalRequest, ApprovalStore } from "./security/approvals.js";
import { AuditLog } from "./security/audit.js";
import { GroupStore } from "./security/groups.js";
import { maskSecretValues } from "./security/mask-secret-values.js";
import { MaskingBackend } from "./security/masking-backend.js";
import { RateLimiter } from "./security/rate-limit.js";
import { redactSecrets } from "./security/redact.js";
import { qualifyUser } from "./security/user-id.js";
import { DurableBackend } from "./storage/durable-backend.js";
import { Store } from "./storage/store.js";
import { lazy } from "./util/lazy.js";

/** The stores a bot opens before it can be built. */
interface OpenedStores {
  store: Store;
  groups: GroupStore;
  acl: AclStore;
  audit: AuditLog;
  catalog: CorePluginEntry[];
  clock: Clock;
}

export interface BotOptions {
  /** The scheduler's time; tests pass one they move by hand. */
  clock?: Clock;
}

/**
 * The bot: a backend feeding a dispatcher that runs commands (core plugins in-process, the others in
 * their sandboxes), over one store. `run()` serves until the backend is done (end of console input,
 * or stop()).
 */
export class Bot {
  readonly config: BotConfig;
  readonly registry = new CommandRegistry();
  readonly plugins: PluginManager;
  readonly repos: RepoManager;
  readonly scheduler: Scheduler;
  readonly timers: PluginTimers;
  readonly schedules: ChatSchedules;
  /** The HTTP server's port, when it runs. */
  httpPort: number | null = null;
  #closeHttp: (() => Promise<void>) | undefined;
  readonly #replies: Replies;
  readonly #backend: Backend;
  readonly #store: Store;
  readonly #log: Logger;
  readonly #dispatcher: Dispatcher;
  readonly #groups: GroupStore;
  readonly #acl: AclStore;
  readonly #approvals: ApprovalStore;
  readonly #audit: AuditLog;
  readonly #catalog: CorePluginEntry[];
  readonly #startedAt = new Date();
  /** How long the bot took over the recent messages it acted on (`!status`). */
  readonly #handlingTimes = new HandlingTimes();
  /** A message run again (`!!`) is, for !status, the message that asked for it. */
  readonly #askedBy = new WeakMap<object, object>();
  #stopping: Promise<void> | undefined;

  private constructor(config: BotConfig, chat: Backend, log: Logger, opened: OpenedStores) {
    const { store, groups, acl, audit, catalog, clock } = opened;
    this.config = config;
    // Everything posted passes through these two: no reply, post or webhook message carries a secret
    // value, and nothing is said before the records of what caused it are durable.
    const durable = new DurableBackend(chat, () => store.journal.durable());
    const backend = new MaskingBackend(durable, () => this.plugins.secretValues());
    // Said loudly; the bot keeps answering (a full disk must not silence it) and can still stop cleanly.
    store.journal.onError = (err, failed, operations) =>
      failed === "log"
        ? log.error(
            { err, operations },
            "could not write the journal: these answers are not safe from a crash until the database has them",
          )
        : log.error({ err, operations }, "could not write to the database");
    setLogMask(log, (line) => maskSecretValues(line, this.plugins.secretValues()));
    this.#backend = backend;
    this.#store = store;
    this.#log = log;
    this.#groups = groups;
    this.#acl = acl;
    this.#audit = audit;
    this.#catalog = catalog;
    this.#approvals = new ApprovalStore(store.sublevel("approvals"), config.approvalTimeoutMinutes * 60_000);
    this.#replies = new Replies(backend, log);
    this.scheduler = new Scheduler(clock, log);
    this.timers = new PluginTimers(store.sublevel("timers"), this.scheduler, (t) => this.#fireTimer(t), log);
    this.schedules = new ChatSchedules(
      store.sublevel("schedules"),
      this.scheduler,
      (s) => this.#runSchedule(s),
      log,
    );
    this.plugins = new PluginManager({
      db: store.sublevel("plugins"),
      storeDb: store.sublevel("plugin-store"),
      journal: store.journal,
      registry: this.registry,
      log,
      buildCacheDir: join(config.dataDir, "plugin-builds"),
      limits: {
        defaults: { memoryMb: 32, timeoutMs: 2_000, wallTimeoutMs: 10_000 },
        max: {
          memoryMb: config.pluginMaxMemoryMb,
          timeoutMs: config.pluginMaxTimeoutMs,
          wallTimeoutMs: config.pluginMaxWallTimeoutMs,
        },
      },
      storeQuotaBytes: config.pluginStoreQuotaMb * 1024 * 1024,
      fileConfig: config.plugins,
      notifyAdmins: (text) => this.#notifyAdmins(text),
      timers: this.timers,
      reservedNames: new Set(catalog.map((p) => p.name)),
    });
    this.repos = new RepoManager({
      db: store.sublevel("repos"),
      plugins: this.plugins,
      log,
      dataDir: config.dataDir,
      buildCacheDir: join(config.dataDir, "plugin-builds"),
      catalogues: [join(packageRoot, "repos", "index.json"), ...config.catalogues],
    });
    const history = new HistoryLog(store.sublevel("history"), store.journal);
    const limiter = new RateLimiter(config.rateLimitPerMinute);
    const host = this.#createHostServices(history);
    this.#dispatcher = new Dispatcher(this.registry, backend, history, log, {
      prefix: config.prefix,
      maxMessageLength: config.maxMessageLength,
      isTrustedBot: (id) => config.trustedBots.includes(id),
      authorize: (message, command) => this.#authorize(message, command),
      rateLimit: (id) =>
        this.#isAdmin(id)
          ? { verdict: "ok", waitSeconds: 0 }
          : { verdict: limiter.take(id), waitSeconds: limiter.waitSeconds(id) },
      requestApproval: (message, command, text) => this.#requestApproval(message, command, text),
      audit: (entry) => this.#audit.append(entry),
      pluginVersion: (plugin) => this.#pluginVersion(plugin),
      // The context is made for this one message, so it is extended in place: spreading an object that
      // holds functions copies it on V8's slow path, about 2 µs, as long as the whole of `!echo`.
      extendContext: (ctx: Context, message: IncomingMessage): CoreContext =>
        Object.assign(ctx, { host, message }),
      redact: (text) => this.#redact(text),
      listeners: () => this.#listeners(),
      explainUnavailable: (words) => this.#explainUnavailable(words),
    });
  }

  static async create(
    config: BotConfig,
    backend: Backend,
    log: Logger,
    options: BotOptions = {},
  ): Promise<Bot> {
    const configRules = config.acl.map((r, i) => {
      try {
        return parseRule(
          r.effect,
          r.target,
          r.who,
          r.room === undefined ? undefined : `room:${r.room}`,
          (name) => qualifyUser(backend.name, name),
        );
      } catch (err) {
        throw new ConfigError(`Bad rule acl[${i}] in the config: ${(err as Error).message}`);
      }
    });
    const store = await Store.open(config.dataDir);
    try {
      const opened: OpenedStores = {
        store,
        groups: await GroupStore.open(store.sublevel("groups")),
        acl: await AclStore.open(store.sublevel("acl"), configRules),
        audit: await AuditLog.open(store.sublevel("audit"), store.journal),
        catalog: loadCoreCatalog(),
        clock: options.clock ?? systemClock,
      };
      const bot = new Bot(config, backend, log, opened);
      await loadCorePlugins(bot.registry, opened.catalog);
      for (const path of config.pluginPaths) await bot.plugins.loadPath(path);
      await bot.repos.loadInstalled();
      await bot.timers.loadAll();
      await bot.schedules.loadAll();
      if (config.httpPort !== null) await bot.#startHttp(config.httpPort);
      log.info({ version: hostVersion, backend: backend.name, dataDir: config.dataDir }, "bot ready");
      return bot;
    } catch (err) {
      await store.close();
      throw err;
    }
  }

  /** Serves messages until the backend has no more; then stops. */
  async run(): Promise<void> {
    try {
      await this.#backend.run((message) => {
        const started = this.#handlingTimes.begin(message);
        return this.#dispatcher.handle(message).then(
          (acted) => this.#handlingTimes.end(message, started, acted),
          (err: unknown) => {
            // Even its error reply failed (the chat service, say): the slowest cases count too.
            this.#handlingTimes.end(message, started, true);
            throw err;
          },
        );
      });
    } finally {
      await this.stop();
    }
  }

  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.scheduler.stop();
      await this.#closeHttp?.();
      await this.#backend.stop();
      this.plugins.stopAll();
      await this.#store.close();
      this.#log.info("bot stopped");
    })();
    return this.#stopping;
  }

  async #startHttp(port: number): Promise<void> {
    // Loaded only when the bot serves HTTP: node:http is a megabyte a console bot does not need.
    const { startHttpServer } = await import("./http/http-server.js");
    const server = await startHttpServer(
      port,
      {
        health: () => {
          const plugins = this.plugins.list();
          return {
            status: "ok",
            version: hostVersion,
            backend: this.#backend.name,
            uptimeSeconds: Math.round((Date.now() - this.#startedAt.getTime()) / 1000),
            plugins: { active: plugins.filter((p) => p.status === "active").length, total: plugins.length },
          };
        },
        hook: (plugin, name) => {
          const { exportName, secret } = this.plugins.webhook(plugin, name);
          return {
            secret,
            run: (request: HookRequest) =>
              this.plugins.invoke(plugin, exportName, this.#webhookContext(plugin), [request], [], true),
          };
        },
        routes: this.#backend.httpRoutes,
      },
      this.#log,
      this.config.webhookRateLimitPerMinute,
    );
    this.httpPort = server.port;
    this.#closeHttp = server.close;
  }

  /** A webhook has no conversation: it can post to rooms and users, not reply. */
  #webhookContext(plugin: string): Context {
    // Made when first used, which few webhooks do: a child logger per request cost more than the rest.
    const log = lazy(() => this.#log.child({ plugin, webhook: true }));
    return {
      args: [],
      options: {},
      text: "",
      user: { id: `webhook:${plugin}`, name: "webhook" },
      room: null,
      thread: null,
      isDirect: false,
      reply: async () => {
        throw new UsageError('A webhook has no conversation to reply to; post with ctx.send("#room", text).');
      },
      send: (target, text) => this.#backend.send(target, text),
      log: { info: (m) => log().info(m), warn: (m) => log().warn(m), error: (m) => log().error(m) },
    };
  }

  /** A plugin timer fires: its function runs in the conversation that set it; what it returns is posted there. */
  async #fireTimer(t: TimerRecord): Promise<void> {
    if (!this.plugins.has(t.plugin) || this.plugins.get(t.plugin).status !== "active") {
      this.#log.warn({ timer: t.id, plugin: t.plugin }, "timer skipped: its plugin is not active");
      return;
    }
    const message: IncomingMessage = {
      text: "",
      sender: t.origin.user,
      room: t.origin.room,
      thread: t.origin.thread,
      isDirect: t.origin.isDirect,
      addressed: false,
    };
    const empty = { args: [], positional: [], options: {}, text: "" };
    try {
      const result = await this.plugins.invoke(
        t.plugin,
        t.fn,
        createContext(message, empty, this.#backend, this.#log),
        [t.data],
      );
      if (typeof result === "string" && result !== "") await this.#replies.reply(message, result);
    } catch (err) {
      await this.#replies.replyWithError(message, err, `a timer of ${t.plugin}`, t.plugin);
    }
  }

  /** A chat schedule fires: the room sees the command, then it runs as its creator, checked now. */
  async #runSchedule(s: ScheduleRecord): Promise<void> {
    const message: IncomingMessage = {
      text: `${this.config.prefix}${s.command}`,
      sender: s.creator,
      room: s.room,
      thread: null,
      isDirect: s.room === null,
      addressed: false,
    };
    await this.#replies.reply(message, `⏰ ${s.id} (${s.creator.name}): ${this.config.prefix}${s.command}`);
    await this.#dispatcher.handle(message, { scheduled: s.id });
  }

  #isAdmin(id: string): boolean {
    return this.config.admins.includes(id);
  }

  #authorize(message: IncomingMessage, command: Command) {
    const id = message.sender.id;
    return decide(
      { userId: id, groups: this.#groups.groupsOf(id), isAdmin: this.#isAdmin(id), room: message.room },
      { name: command.name, plugin: command.plugin, admin: command.doc.admin },
      this.#acl.rules(),
    );
  }

  async #requestApproval(message: IncomingMessage, command: Command, text: string): Promise<string> {
    const group = command.doc.approval as string;
    const request = await this.#approvals.create({
      text: this.#redact(text),
      runText: text,
      command: command.name,
      plugin: command.plugin,
      group,
      requester: { ...message.sender },
      room: message.room,
      thread: message.thread,
      isDirect: message.isDirect,
    });
    const p = this.config.prefix;
    const approvers = this.#groups.members(group).filter((m) => m !== message.sender.id);
    const who = approvers.length
      ? approvers.map((a) => a.replace(/^[a-z]+:/, "")).join(", ")
      : "nobody yet: an admin adds members with `!auth add`";
    return (
      `Request ${request.id}: ${message.sender.name} asks to run \`${p}${request.text}\`. It runs once someone else in ` +
      `group ${group} approves (${who}): \`${p}approve ${request.id}\`, or \`${p}deny ${request.id}\`. ` +
      `It expires at ${request.expiresAt.replace("T", " ").slice(0, 16)} UTC.`
    );
  }

  /** Runs an approved request as its requester, where it was asked, checked again. */
  async #runApproved(request: ApprovalRequest, approver: string): Promise<void> {
    await this.#dispatcher.handle(
      {
        text: `${this.config.prefix}${request.runText}`,
        sender: request.requester,
        room: request.room,
        thread: request.thread,
        isDirect: request.isDirect,
        addressed: false,
      },
      { approvedBy: approver },
    );
  }

  #pluginVersion(plugin: string): string {
    const core = this.#catalog.find((p) => p.name === plugin);
    if (core) return core.version;
    return this.plugins.has(plugin) ? this.plugins.get(plugin).manifest.version : "?";
  }

  #listeners(): Listener[] {
    return this.plugins.listeningPlugins().map((plugin) => ({
      plugin,
      match: async (text) =>
        (await this.plugins.match(plugin, text)).map(({ exportName, groups }) => ({
          run: (ctx) => this.plugins.invoke(plugin, exportName, ctx, [], groups),
        })),
    }));
  }

  /** An installed plugin that is not active would run this command: why it does not, and what to do. */
  #explainUnavailable(words: string[]): string | null {
    const owner = this.plugins.inactiveCommandOwner(words);
    if (!owner) return null;
    const { plugin: p, command } = owner;
    const prefix = this.config.prefix;
    // The reason of a plugin waiting for config or approval already says what to do.
    const how = p.status === "inactive" ? ` An admin runs \`${prefix}plugin activate ${p.name}\`.` : "";
    const why = p.reason ? ` (${p.reason})` : "";
    return `\`${prefix}${command}\` belongs to plugin ${p.name}, which is ${p.status}${why}.${how}`;
  }

  /** A text fit to store or show: `token=...` and `"token": ...` masked, and every secret value. */
  #redact(text: string): string {
    return maskSecretValues(redactSecrets(text, this.plugins.secretKeys()), this.plugins.secretValues());
  }

  /** Admins of this backend hear about plugins deactivated for failing. */
  async #notifyAdmins(text: string): Promise<void> {
    const prefix = `${this.#backend.name}:`;
    for (const admin of this.config.admins.filter((a) => a.startsWith(prefix))) {
      await this.#backend.send(`@${admin.slice(prefix.length)}`, text);
    }
  }

  #createHostServices(history: HistoryLog): HostServices {
    const core: PluginSummary[] = this.#catalog.map((p) => ({
      name: p.name,
      version: p.version,
      description: p.description,
      kind: "core",
      state: "active",
    }));
    return {
      version: hostVersion,
      startedAt: this.#startedAt,
      backendName: this.#backend.name,
      handlingTimes: (asker) => this.#handlingTimes.summary(asker && (this.#askedBy.get(asker) ?? asker)),
      prefix: this.config.prefix,
      dataDir: this.config.dataDir,
      commands: () => this.registry.all(),
      plugins: () => [
        ...core,
        ...this.plugins.list().map((p) => ({
          name: p.name,
          version: p.manifest.version,
          description: p.manifest.description,
          kind: "sandboxed" as const,
          state: p.status,
        })),
      ],
      pluginManager: this.plugins,
      repoManager: this.repos,
      groups: this.#groups,
      acl: this.#acl,
      approvals: this.#approvals,
      audit: this.#audit,
      isAdmin: (id) => this.#isAdmin(id),
      canRun: (message, command) => this.#dispatcher.canRun(message, command),
      refusal: (message, command) => this.#dispatcher.refusal(message, command),
      qualifyUser: (name) => qualifyUser(this.#backend.name, name),
      runApproved: (request, approver) => this.#runApproved(request, approver),
      schedules: this.schedules,
      resolveCommand: (text) => this.registry.resolve(tokenize(text).map((t) => t.value))?.command,
      history,
      rerun: async (message, text) => {
        const again = { ...message, text: `${this.config.prefix}${text}`, addressed: false };
        this.#askedBy.set(again, this.#askedBy.get(message) ?? message);
        await this.#dispatcher.handle(again);
      },
    };
  }
}
