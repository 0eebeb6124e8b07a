import { App, type Receiver, SocketModeReceiver, webApi } from "@slack/bolt";
import { NotFoundError, SlackUnavailableError, UsageError } from "../../errors.js";
import type { HttpRoute } from "../../http/http-server.js";
import type { Logger } from "../../log.js";
import type { Backend, IncomingMessage } from "../backend.js";
import { SeenEvents } from "./seen-events.js";
import { explainPostError, refusedToken, unreachable } from "./slack-errors.js";
import { SlackEventsReceiver } from "./slack-events-receiver.js";
import { renderForSlack, splitForSlack } from "./slack-format.js";
import {
  fromMessageEvent,
  fromSlashCommand,
  type SlackMessageEvent,
  type SlackSelf,
  type SlackSlashCommand,
} from "./slack-incoming.js";
import { createBoltLogger } from "./slack-logger.js";
import { SlackDirectory } from "./slack-names.js";
import type { SlackSettings } from "./slack-settings.js";

export interface SlackBackendOptions {
  settings: SlackSettings;
  log: Logger;
  /** Called once the bot is connected (Socket Mode) or ready for HTTP events, with who it is on Slack. */
  onReady?: (who: { userId: string; name: string; team: string; transport: "socket" | "http" }) => void;
  /**
   * Told when a message event is done with: run (whatever the dispatcher made of it), a repeat of one
   * already seen, or not for the bot to hear (its own message, an edit). For tests and metrics.
   */
  onSettled?: (event: {
    eventId?: string;
    ts?: string;
    outcome: "handled" | "duplicate" | "ignored";
  }) => void;
  /** The Web API client's retry policy; tests shorten the waits between retries. */
  retryConfig?: webApi.RetryOptions;
}

/** Events remembered to run each once: Slack retries for up to an hour, a few per minute at most. */
const REMEMBERED_EVENTS = 5_000;

/**
 * The Slack backend, on Bolt. Messages arrive by Socket Mode or HTTP events (the transport is Bolt's
 * receiver, so this class does not know which) and by the slash command; each runs once however many
 * times Slack delivers it. Replies are rendered for Slack, split under its size limit, and posted in
 * the conversation and thread they answer; the Web API client waits out 429s and retries.
 */
export class SlackBackend implements Backend {
  readonly name = "slack";
  readonly httpRoutes?: readonly HttpRoute[];
  readonly #settings: SlackSettings;
  readonly #log: Logger;
  readonly #options: SlackBackendOptions;
  readonly #client: webApi.WebClient;
  readonly #startupClient: webApi.WebClient;
  readonly #directory: SlackDirectory;
  readonly #app: App;
  readonly #seen = new SeenEvents(REMEMBERED_EVENTS);
  readonly #botsSeen = new Set<string>();
  readonly #responseUrls = new WeakMap<IncomingMessage, string>();
  readonly #inFlight = new Set<Promise<void>>();
  #self: Promise<SlackSelf & { name: string; team: string }> | undefined;
  #onMessage: ((message: IncomingMessage) => Promise<void>) | undefined;
  #stopping: Promise<void> | undefined;
  #stopped!: () => void;
  readonly #done = new Promise<void>((resolve) => {
    this.#stopped = resolve;
  });

  constructor(options: SlackBackendOptions) {
    const { settings } = options;
    this.#options = options;
    this.#settings = settings;
    this.#log = options.log.child({ backend: "slack" });
    const logger = createBoltLogger(this.#log);
    this.#client = new webApi.WebClient(settings.botToken, {
      slackApiUrl: settings.apiUrl,
      logger,
      ...(options.retryConfig ? { retryConfig: options.retryConfig } : {}),
    });
    // Start-up fails fast: a wrong SLACK_API_URL says so in seconds, not after the half hour of
    // retries that posting a reply is allowed.
    this.#startupClient = new webApi.WebClient(settings.botToken, {
      slackApiUrl: settings.apiUrl,
      logger,
      retryConfig: { retries: 2, minTimeout: 200, maxTimeout: 1_000 },
    });
    this.#directory = new SlackDirectory(this.#client, this.#log);
    let receiver: Receiver;
    if (settings.transport.kind === "socket") {
      receiver = new SocketModeReceiver({
        appToken: settings.transport.appToken,
        logger,
        installerOptions: { clientOptions: { slackApiUrl: settings.apiUrl } },
      });
    } else {
      const events = new SlackEventsReceiver(settings.transport.signingSecret, this.#log);
      this.httpRoutes = [events.route];
      receiver = events;
    }
    this.#app = new App({
      receiver,
      logger,
      clientOptions: { slackApiUrl: settings.apiUrl },
      authorize: async () => {
        const self = await this.#whoAmI();
        return { botToken: settings.botToken, botUserId: self.userId, botId: self.botId ?? undefined };
      },
      convoStore: false,
      // fromMessageEvent drops the bot's own messages itself, where the other bot rules live.
      ignoreSelf: false,
    });
    this.#listen();
  }

  async run(onMessage: (message: IncomingMessage) => Promise<void>): Promise<void> {
    if (this.#stopping) return;
    const self = await this.#whoAmI();
    this.#onMessage = onMessage;
    try {
      await this.#app.start();
    } catch (err) {
      throw refusedToken(err, "SLACK_APP_TOKEN") ?? unreachable(err, this.#settings.apiUrl) ?? err;
    }
    if (this.#stopping) {
      await this.#app.stop();
      return;
    }
    if (this.#settings.ignoredSigningSecret) {
      this.#log.warn("slack: both SLACK_APP_TOKEN and SLACK_SIGNING_SECRET are set; using Socket Mode");
    }
    this.#log.info({ user: self.userId, team: self.team }, "slack: ready");
    this.#options.onReady?.({
      userId: self.userId,
      name: self.name,
      team: self.team,
      transport: this.#settings.transport.kind,
    });
    await this.#done;
  }

  async reply(to: IncomingMessage, text: string): Promise<void> {
    try {
      const channel = to.room
        ? await this.#directory.channelId(to.room)
        : await this.#directory.directChannel(to.sender.id.replace(/^slack:/, ""));
      await this.#post(channel, text, to.thread, to.room ?? `@${to.sender.name}`);
    } catch (err) {
      // A slash command works in channels the bot is not in; its answer then goes by response_url.
      const responseUrl = this.#responseUrls.get(to);
      if (!responseUrl || !(err instanceof NotFoundError)) throw err;
      await this.#respond(responseUrl, text);
    }
  }

  async send(target: string, text: string): Promise<void> {
    let channel: string;
    if (/^#[^\s#@]+$/.test(target)) channel = await this.#directory.channelId(target);
    else if (/^@[^\s#@]+$/.test(target)) {
      channel = await this.#directory.directChannel(await this.#directory.userId(target));
    } else {
      throw new UsageError(`Cannot send to "${target}": a target is #channel or @user.`);
    }
    await this.#post(channel, text, null, target);
  }

  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      // The receiver first: what Slack has not been told we took, it delivers again later.
      try {
        await this.#app.stop();
      } catch (err) {
        this.#log.warn({ err }, "slack: stopping the receiver failed");
      }
      while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
      this.#onMessage = undefined;
      this.#stopped();
    })();
    return this.#stopping;
  }

  #listen(): void {
    const onEvent = async (event: SlackMessageEvent, eventId: unknown) => {
      // A message that mentions the bot comes twice (message and app_mention); a retry comes again.
      const keys = [
        ...(typeof eventId === "string" ? [`event:${eventId}`] : []),
        ...(event.ts ? [`message:${event.channel}:${event.ts}`] : []),
      ];
      const settled = (outcome: "handled" | "duplicate" | "ignored") =>
        this.#options.onSettled?.({
          ...(typeof eventId === "string" ? { eventId } : {}),
          ...(event.ts ? { ts: event.ts } : {}),
          outcome,
        });
      if (!this.#seen.firstTime(keys)) return settled("duplicate");
      const message = await fromMessageEvent(event, await this.#whoAmI(), this.#directory);
      if (message?.sender.isBot) this.#noteBot(message.sender.id, message.sender.name);
      if (message) await this.#deliver(message);
      settled(message ? "handled" : "ignored");
    };
    this.#app.event("message", async ({ event, body }) => {
      await onEvent(event as unknown as SlackMessageEvent, body.event_id);
    });
    this.#app.event("app_mention", async ({ event, body }) => {
      await onEvent(event as unknown as SlackMessageEvent, body.event_id);
    });
    this.#app.command(this.#settings.slashCommand, async ({ command, ack }) => {
      // Acknowledged at once (Slack waits 3 s), and shown in the channel like a message would be.
      await ack({ response_type: "in_channel" });
      const message = await fromSlashCommand(command as SlackSlashCommand, this.#directory);
      if (command.response_url) this.#responseUrls.set(message, command.response_url);
      await this.#deliver(message);
    });
    this.#app.error(async (err) => {
      this.#log.error({ err }, "slack: an event handler failed");
    });
  }

  async #deliver(message: IncomingMessage): Promise<void> {
    const onMessage = this.#onMessage;
    if (!onMessage) return;
    const handled = onMessage(message).catch((err: unknown) => {
      this.#log.error({ err }, "slack: a message handler failed");
    });
    this.#inFlight.add(handled);
    try {
      await handled;
    } finally {
      this.#inFlight.delete(handled);
    }
  }

  /** Once per bot: the id an admin lists in trustedBots to let it run commands. */
  #noteBot(id: string, name: string): void {
    if (this.#botsSeen.has(id)) return;
    this.#botsSeen.add(id);
    this.#log.info(
      { bot: id, name },
      `slack: heard bot ${name} as ${id}; it runs commands only if in trustedBots`,
    );
  }

  /** Renders, splits and posts, one message after the other so that a long reply reads in order. */
  async #post(channel: string, text: string, thread: string | null, where: string): Promise<void> {
    for (const chunk of splitForSlack(renderForSlack(text))) {
      try {
        await this.#client.chat.postMessage({
          channel,
          text: chunk,
          mrkdwn: true,
          ...(thread ? { thread_ts: thread } : {}),
        });
      } catch (err) {
        throw explainPostError(err, where) ?? err;
      }
    }
  }

  /** Answers a slash command through its response_url (Slack takes a few answers per command). */
  async #respond(responseUrl: string, text: string): Promise<void> {
    for (const chunk of splitForSlack(renderForSlack(text))) {
      const res = await fetch(responseUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ response_type: "in_channel", text: chunk }),
        signal: AbortSignal.timeout(10_000),
      });
      if (!res.ok)
        throw new SlackUnavailableError(`Slack refused the slash command's answer (HTTP ${res.status}).`);
    }
  }

  /** auth.test, once: who the bot is (to ignore itself and see mentions). */
  #whoAmI(): Promise<SlackSelf & { name: string; team: string }> {
    this.#self ??= this.#startupClient.auth.test().then(
      (res) => {
        if (!res.user_id) throw new Error("auth.test answered without a user_id");
        return {
          userId: res.user_id,
          botId: res.bot_id ?? null,
          name: res.user ?? res.user_id,
          team: res.team ?? res.team_id ?? "",
        };
      },
      (err: unknown) => {
        throw refusedToken(err, "SLACK_BOT_TOKEN") ?? unreachable(err, this.#settings.apiUrl) ?? err;
      },
    );
    return this.#self;
  }
}
