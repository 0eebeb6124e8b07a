import { EventEmitter, once } from "node:events";
import { SlackBackend } from "../../src/backends/slack/slack-backend.js";
import { readSlackSettings } from "../../src/backends/slack/slack-settings.js";
import { Bot } from "../../src/bot.js";
import { loadConfig } from "../../src/config/load-config.js";
import { createLogger } from "../../src/log.js";
import { FakeSlack, type Posted } from "../fakes/fake-slack.js";
import { makeTempDir } from "./temp-dir.js";

export const SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5";

export interface Settled {
  eventId?: string;
  ts?: string;
  outcome: "handled" | "duplicate" | "ignored";
}

/**
 * A real bot (store, core plugins, dispatcher) on the real SlackBackend, talking to `fake`: over
 * Socket Mode, or taking HTTP events on its own HTTP server. Resolves once it is connected.
 */
export async function startSlackBot(
  fake: FakeSlack,
  dataDir: string,
  options: { transport: "socket" | "http"; flags?: string[] },
) {
  const http = options.transport === "http";
  const config = loadConfig(
    [
      "--data-dir",
      dataDir,
      "--backend",
      "slack",
      ...(http ? ["--http-port", "0"] : []),
      ...(options.flags ?? []),
    ],
    {},
  );
  const settings = readSlackSettings(config, {
    SLACK_BOT_TOKEN: fake.botToken,
    SLACK_API_URL: fake.apiUrl,
    ...(http ? { SLACK_SIGNING_SECRET: SIGNING_SECRET } : { SLACK_APP_TOKEN: fake.appToken }),
  });
  const log = createLogger(dataDir, "debug");
  const events = new EventEmitter();
  const settled: Settled[] = [];
  const backend = new SlackBackend({
    settings,
    log,
    onReady: () => events.emit("ready"),
    onSettled: (s) => {
      settled.push(s);
      events.emit("settled");
    },
    // Retry at once after a 429's Retry-After (the client still waits that long) and after failures.
    retryConfig: { retries: 3, minTimeout: 10, maxTimeout: 50 },
  });
  const bot = await Bot.create(config, backend, log);
  const ready = once(events, "ready");
  const running = bot.run();
  await Promise.race([
    ready,
    running.then(() => Promise.reject(new Error("the bot stopped before it was ready"))),
  ]);
  return {
    bot,
    backend,
    /** The bot's /slack/events URL (HTTP transport). */
    eventsUrl: `http://127.0.0.1:${bot.httpPort}/slack/events`,
    settled,
    /** Resolves once the event with this id (or message ts) has been done with `count` times. */
    async waitSettled(idOrTs: string, count = 1): Promise<Settled[]> {
      for (;;) {
        const matching = settled.filter((s) => s.eventId === idOrTs || s.ts === idOrTs);
        if (matching.length >= count) return matching;
        await once(events, "settled");
      }
    },
    async stop(): Promise<void> {
      await bot.stop();
      await running;
    },
  };
}

/**
 * For a mocha suite: a fake Slack and a bot on it, started before the suite and stopped after. `mark`
 * is where the current test's posts start; `posted(n)` waits for the test's first n posts.
 */
export function useSlackBot(options: { transport: "socket" | "http"; flags?: string[] }) {
  const slack = {
    fake: undefined as unknown as FakeSlack,
    bot: undefined as unknown as Awaited<ReturnType<typeof startSlackBot>>,
    mark: 0,
    async posted(count: number): Promise<Posted[]> {
      return (await slack.fake.waitForPosts(slack.mark + count)).slice(slack.mark, slack.mark + count);
    },
    newPosts: (): Posted[] => slack.fake.posts.slice(slack.mark),
  };
  let dir: ReturnType<typeof makeTempDir> | undefined;
  before(async () => {
    slack.fake = await FakeSlack.start();
    dir = makeTempDir();
    slack.bot = await startSlackBot(slack.fake, dir.path, options);
  });
  after(async () => {
    await slack.bot?.stop();
    await slack.fake?.close();
    dir?.remove();
  });
  beforeEach(() => {
    slack.mark = slack.fake.posts.length;
  });
  return slack;
}
