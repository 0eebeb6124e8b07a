import { TestBackend } from "../../src/backends/test-backend.js";
import { Bot, type BotOptions } from "../../src/bot.js";
import { loadConfig } from "../../src/config/load-config.js";
import { createLogger } from "../../src/log.js";

/** A real bot (real store, core plugins, dispatcher) on a TestBackend, with data in `dataDir`. */
export async function startBot(
  dataDir: string,
  flags: string[] = [],
  options: BotOptions = {},
): Promise<{ bot: Bot; chat: TestBackend; stop(): Promise<void> }> {
  const config = loadConfig(["--data-dir", dataDir, ...flags], {});
  const chat = new TestBackend();
  const bot = await Bot.create(config, chat, createLogger(dataDir, "info"), options);
  const running = bot.run();
  return {
    bot,
    chat,
    stop: async () => {
      await bot.stop();
      await running;
    },
  };
}
