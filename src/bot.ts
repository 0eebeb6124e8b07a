import type { Backend, IncomingMessage } from "./backends/backend.js";
import { Dispatcher } from "./commands/dispatcher.js";
import { CommandRegistry } from "./commands/registry.js";
import type { BotConfig } from "./config/load-config.js";
import { HistoryLog } from "./history/history-log.js";
import type { Logger } from "./log.js";
import { hostVersion } from "./paths.js";
import type { Context } from "./plugin-api/context.js";
import { type CorePluginEntry, loadCoreCatalog } from "./plugins/core-catalog.js";
import type { CoreContext, HostServices } from "./plugins/core-context.js";
import { loadCorePlugins } from "./plugins/load-core-plugins.js";
import { Store } from "./storage/store.js";

/**
 * The bot: a backend feeding a dispatcher that runs plugin commands, over one store.
 * `run()` serves until the backend is done (end of console input, or stop()).
 */
export class Bot {
  readonly config: BotConfig;
  readonly registry = new CommandRegistry();
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
    const history = new HistoryLog(store.sublevel("history"));
    const host = this.#createHostServices(history, catalog);
    this.#dispatcher = new Dispatcher(this.registry, backend, history, log, {
      prefix: config.prefix,
      maxMessageLength: config.maxMessageLength,
      isAdmin: (id) => config.admins.includes(id),
      isTrustedBot: (id) => config.trustedBots.includes(id),
      extendContext: (ctx: Context, message: IncomingMessage): CoreContext => ({ ...ctx, host, message }),
    });
  }

  static async create(config: BotConfig, backend: Backend, log: Logger): Promise<Bot> {
    const store = await Store.open(config.dataDir);
    try {
      const catalog = loadCoreCatalog();
      const bot = new Bot(config, backend, store, log, catalog);
      await loadCorePlugins(bot.registry, catalog);
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
      await this.#store.close();
      this.#log.info("bot stopped");
    })();
    return this.#stopping;
  }

  #createHostServices(history: HistoryLog, catalog: CorePluginEntry[]): HostServices {
    return {
      version: hostVersion,
      startedAt: this.#startedAt,
      backendName: this.#backend.name,
      prefix: this.config.prefix,
      dataDir: this.config.dataDir,
      commands: () => this.registry.all(),
      plugins: () =>
        catalog.map((p) => ({
          name: p.name,
          version: p.version,
          description: p.description,
          kind: "core" as const,
          state: "active" as const,
        })),
      isAdmin: (id) => this.config.admins.includes(id),
      canRun: (id, command) => this.#dispatcher.canRun(id, command),
      history,
      rerun: (message, text) =>
        this.#dispatcher.handle({ ...message, text: `${this.config.prefix}${text}`, addressed: false }),
    };
  }
}
