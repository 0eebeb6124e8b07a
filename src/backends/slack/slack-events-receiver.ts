import type { App, Receiver, ReceiverEvent } from "@slack/bolt";
import type { HttpAnswer, HttpRoute, RawHttpRequest } from "../../http/http-server.js";
import type { Logger } from "../../log.js";
import { checkSlackSignature } from "./slack-signature.js";

export const SLACK_EVENTS_PATH = "/slack/events";

/**
 * Bolt's transport for HTTP events, served by the bot's own HTTP server at POST /slack/events instead of
 * a second server: it checks the signature and age of each request, answers Slack's URL check, and
 * hands events and slash commands to Bolt. The HTTP answer goes out as soon as the listener acknowledges
 * (events at once, commands first thing), before the command runs, so Slack does not retry it.
 */
export class SlackEventsReceiver implements Receiver {
  readonly route: HttpRoute;
  readonly #secret: string;
  readonly #log: Logger;
  readonly #now: () => number;
  #app: App | undefined;
  #running = false;

  constructor(signingSecret: string, log: Logger, now: () => number = Date.now) {
    this.#secret = signingSecret;
    this.#log = log;
    this.#now = now;
    this.route = { method: "POST", path: SLACK_EVENTS_PATH, handle: (request) => this.#handle(request) };
  }

  init(app: App): void {
    this.#app = app;
  }

  async start(): Promise<void> {
    this.#running = true;
  }

  async stop(): Promise<void> {
    this.#running = false;
  }

  async #handle(request: RawHttpRequest): Promise<HttpAnswer> {
    const contentType = request.headers["content-type"] ?? "";
    const body = parseBody(request.body, contentType);
    if (body === null) return json(400, { error: "the body must be JSON or a form" });
    // Slack's SSL check is unsigned and carries nothing to act on.
    if (body.ssl_check === "1") return { status: 200, body: "" };
    const verdict = checkSlackSignature(this.#secret, request.headers, request.body, this.#now());
    if (verdict !== "ok") {
      this.#log.warn({ verdict }, "slack: refused an HTTP event (signature or timestamp)");
      const why =
        verdict === "stale"
          ? "X-Slack-Request-Timestamp is more than 5 minutes from now"
          : "missing or wrong X-Slack-Signature";
      return json(401, { error: why });
    }
    if (body.type === "url_verification") return json(200, { challenge: body.challenge });
    const app = this.#app;
    if (!app || !this.#running) {
      // Slack retries later; the bot is starting or stopping.
      return json(503, { error: "the bot is not serving Slack events right now" }, { "retry-after": "1" });
    }
    return this.#dispatch(app, body, request.headers);
  }

  #dispatch(app: App, body: Record<string, unknown>, headers: Record<string, string>): Promise<HttpAnswer> {
    return new Promise((answer) => {
      let acked = false;
      const retry = headers["x-slack-retry-num"];
      const event: ReceiverEvent = {
        body,
        ...(retry && /^\d+$/.test(retry) ? { retryNum: Number(retry) } : {}),
        ...(headers["x-slack-retry-reason"] ? { retryReason: headers["x-slack-retry-reason"] } : {}),
        ack: async (response?: unknown) => {
          if (acked) return;
          acked = true;
          if (response === undefined || response === "") answer({ status: 200, body: "" });
          else if (typeof response === "string") answer({ status: 200, body: response });
          else answer(json(200, response));
        },
      };
      app.processEvent(event).then(
        () => {
          if (!acked) answer(json(404, { error: "nothing here handles this request" }));
        },
        (err: unknown) => {
          this.#log.error({ err }, "slack: handling an HTTP event failed");
          if (!acked) answer(json(500, { error: "internal error" }));
        },
      );
    });
  }
}

function parseBody(raw: Buffer, contentType: string): Record<string, unknown> | null {
  const text = raw.toString("utf8");
  try {
    if (/application\/json/i.test(contentType)) {
      const value: unknown = JSON.parse(text);
      return typeof value === "object" && value !== null && !Array.isArray(value)
        ? (value as Record<string, unknown>)
        : null;
    }
    if (/application\/x-www-form-urlencoded/i.test(contentType)) {
      const form: Record<string, unknown> = Object.fromEntries(new URLSearchParams(text));
      // Interactive payloads come as JSON in a `payload` field; slash commands as plain fields.
      return typeof form.payload === "string" ? (JSON.parse(form.payload) as Record<string, unknown>) : form;
    }
  } catch {
    return null;
  }
  return null;
}

function json(status: number, value: unknown, headers: Record<string, string> = {}): HttpAnswer {
  return { status, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(value) };
}
