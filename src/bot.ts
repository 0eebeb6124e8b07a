import { join } from "node:path";
import type { Backend, IncomingMessage } from "./backends/backend.js";
import { Dispatcher, type Listener } from "./commands/dispatcher.js";
import { CommandRegistry } from "./commands/registry.js";
import type { BotConfig } from "./config/load-config.js";
import { HistoryLog } from "./history/history-log.js";
import type { Logger } from "./log.js";
import { hostVersion, packageRoot } from "./paths.js";
import type { Context } from "./plugin-api/context.js";
import { type CorePluginEntry, loadCoreCatalog } from "./plugins/core-catalog.js";
import type { CoreContext, HostServices, PluginSummary } from "./plugins/core-context.js";
import { loadCorePlugins } from "./plugins/load-core-plugins.js";
import { secretPaths } from "./plugins/plugin-config.js";
import { PluginManager } from "./plugins/plugin-manager.js";
import { RepoManager } from "./repos/repo-manager.js";
import { redactSecrets } from "./security/redact.js";
import { Store } from "./storage/store.js";

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
  readonly #backend: Backend;
  readonly #store: Store;
  readonly #log: Logger;
  readonly #dispatcher: Dispatcher;
  readonly #startedAt = new Date();
  #stopping: Promise<void> | undefined;

  private constructor(
    config: BotConfig,
    backend: Backend,
    store: Store,
    log: Logger,
    catalog: CorePluginEntry[],
  ) {
    this.config = config;
    this.#backend = backend;
    this.#store = store;
    this.#log = log;
    this.plugins = new PluginManager({
      db: store.sublevel("plugins"),
      storeDb: store.sublevel("plugin-store"),
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
    });
    this.repos = new RepoManager({
      db: store.sublevel("repos"),
      plugins: this.plugins,
      log,
      dataDir: config.dataDir,
      buildCacheDir: join(config.dataDir, "plugin-builds"),
      catalogues: [join(packageRoot, "repos", "index.json"), ...config.catalogues],
    });
    const history = new HistoryLog(store.sublevel("history"));
    const host = this.#createHostServices(history, catalog);
    this.#dispatcher = new Dispatcher(this.registry, backend, history, log, {
      prefix: config.prefix,
      maxMessageLength: config.maxMessageLength,
      isAdmin: (id) => config.admins.includes(id),
      isTrustedBot: (id) => config.trustedBots.includes(id),
      extendContext: (ctx: Context, message: IncomingMessage): CoreContext => ({ ...ctx, host, message }),
      redact: (text) => redactSecrets(text, this.#secretKeys()),
      listeners: () => this.#listeners(),
    });
  }

  static async create(config: BotConfig, backend: Backend, log: Logger): Promise<Bot> {
    const store = await Store.open(config.dataDir);
    try {
      const catalog = loadCoreCatalog();
      const bot = new Bot(config, backend, store, log, catalog);
      await loadCorePlugins(bot.registry, catalog);
      for (const path of config.pluginPaths) await bot.plugins.loadPath(path);
      await bot.repos.loadInstalled();
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
      await this.#backend.run((message) => this.#dispatcher.handle(message));
    } finally {
      await this.stop();
    }
  }

  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      await this.#backend.stop();
      this.plugins.stopAll();
      await this.#store.close();
      this.#log.info("bot stopped");
    })();
    return this.#stopping;
  }

  #listeners(): Listener[] {
    return this.plugins.listeners().map((l) => ({
      plugin: l.plugin,
      regex: l.regex,
      run: (ctx, match) => this.plugins.invoke(l.plugin, l.exportName, ctx, [], match),
    }));
  }

  #secretKeys(): string[] {
    return this.plugins
      .list()
      .flatMap((p) => secretPaths(p.manifest.config).map((path) => path.split(".").at(-1) as string));
  }

  /** Admins of this backend hear about plugins deactivated for failing. */
  async #notifyAdmins(text: string): Promise<void> {
    const prefix = `${this.#backend.name}:`;
    for (const admin of this.config.admins.filter((a) => a.startsWith(prefix))) {
      await this.#backend.send(`@${admin.slice(prefix.length)}`, text);
    }
  }

  #createHostServices(history: HistoryLog, catalog: CorePluginEntry[]): HostServices {
    const core: PluginSummary[] = catalog.map((p) => ({
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
      isAdmin: (id) => this.config.admins.includes(id),
      canRun: (id, command) => this.#dispatcher.canRun(id, command),
      history,
      rerun: (message, text) =>
        this.#dispatcher.handle({ ...message, text: `${this.config.prefix}${text}`, addressed: false }),
    };
  }
}
