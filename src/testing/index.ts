/**
 * `errand/testing`: load a plugin folder into a real bot (its real sandbox, store and dispatcher) on a
 * test backend, send it messages as anyone, and read the replies.
 *
 *   const bot = await loadPlugin(new URL("..", import.meta.url).pathname, { config: { greeting: "Hi" } });
 *   assert.equal(await bot.ask("!hello Ada"), "Hi, Ada!");
 *   await bot.close();
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type Said, type SayOptions, TestBackend } from "../backends/test-backend.js";
import { Bot } from "../bot.js";
import { loadConfig } from "../config/load-config.js";
import { createLogger } from "../log.js";
import type { ManagedPlugin } from "../plugins/plugin-manager.js";
import { ManualClock } from "../scheduler/manual-clock.js";

export type { Said, SayOptions };

export interface LoadOptions {
  /** The plugin's config (as an admin would set it). */
  config?: Record<string, unknown>;
  /** Admin identities; default "console:operator" (the default speaker). */
  admins?: string[];
  /** Keep state here instead of a fresh temp dir (to test restarts). */
  dataDir?: string;
}

export interface PluginHarness {
  /** Sends a message (as "operator" in a direct conversation unless told otherwise); resolves with all the bot posted. */
  say(text: string, options?: SayOptions): Promise<Said[]>;
  /** Like say, with the posts' texts joined by newlines. */
  ask(text: string, options?: SayOptions): Promise<string>;
  /** Everything posted so far, webhooks and timers included, across restarts. */
  readonly transcript: readonly Said[];
  /** The plugin as the bot sees it: state, reason, manifest. */
  plugin(): ManagedPlugin;
  /**
   * Moves the bot's clock (it starts at 2026-11-24 09:00 UTC and moves only when told) and runs the
   * timers and schedules that came due; resolves with what the bot posted meanwhile.
   */
  advance(ms: number): Promise<Said[]>;
  /** The bot's HTTP server, for webhooks: `${httpUrl}/hooks/PLUGIN/NAME`. */
  readonly httpUrl: string;
  /** Stops and starts the bot on the same data, as a restart would. */
  restart(): Promise<void>;
  /** Stops the bot and removes its temp data. */
  close(): Promise<void>;
}

/** Loads the plugin in `dir`. Throws with the reason when it cannot be built or activated. */
export async function loadPlugin(dir: string, options: LoadOptions = {}): Promise<PluginHarness> {
  const pluginDir = resolve(dir);
  const ownsData = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "errand-plugin-test-"));
  let name = "";
  let started = false;
  const transcript: Said[] = [];
  const clock = new ManualClock();
  const start = async () => {
    const config = loadConfig(
      [
        "--data-dir",
        dataDir,
        "--plugin-paths",
        pluginDir,
        "--admins",
        (options.admins ?? ["console:operator"]).join(","),
        "--log-level",
        "warn",
        "--http-port",
        "0",
      ],
      {},
    );
    const backend = new TestBackend("console", transcript);
    const bot = await Bot.create(config, backend, createLogger(dataDir, "warn"), { clock });
    const running = bot.run();
    const broken = bot.plugins.broken()[0];
    const plugin = bot.plugins.list()[0];
    if (broken || !plugin) {
      await bot.stop();
      throw new Error(broken?.reason ?? `No plugin found in ${pluginDir}.`);
    }
    name = plugin.name;
    if (options.config && !started) await bot.plugins.configure(name, options.config, "replace");
    if (plugin.status !== "active") {
      await bot.stop();
      throw new Error(`Plugin ${name} is ${plugin.status}: ${plugin.reason}`);
    }
    return { bot, backend, running };
  };
  let current = await start();
  started = true;
  const say = (text: string, opts?: SayOptions) => current.backend.say(text, opts);
  const stop = async () => {
    await current.bot.stop();
    await current.running;
  };
  return {
    say,
    ask: async (text, opts) => (await say(text, opts)).map((s) => s.text).join("\n"),
    transcript,
    plugin: () => current.bot.plugins.get(name),
    advance: async (ms) => {
      const before = current.backend.transcript.length;
      clock.advance(ms);
      await current.bot.scheduler.tick();
      return current.backend.transcript.slice(before);
    },
    get httpUrl() {
      return `http://127.0.0.1:${current.bot.httpPort}`;
    },
    restart: async () => {
      await stop();
      current = await start();
    },
    close: async () => {
      await stop();
      if (ownsData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
