import { randomUUID } from "node:crypto";
import { EventEmitter, once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { type WebSocket, WebSocketServer } from "ws";

/**
 * A faithful fake of the parts of Slack the bot talks to, on 127.0.0.1 and a free port:
 *
 * - the Web API (`POST /api/METHOD`): form or JSON bodies, the token as `Authorization: Bearer` or a
 *   `token` field, HTTP 200 with `{ ok: false, error }` for refusals (`not_authed`, `invalid_auth`,
 *   `not_allowed_token_type`, `channel_not_found`, `not_in_channel`, `user_not_found`, `no_text`,
 *   `msg_too_long`, `unknown_method`), cursor pagination, and `429` with `Retry-After` on demand;
 * - Socket Mode: `apps.connections.open` (app token only) answers a `ws://` URL on this server; a
 *   connection gets `hello`, then the envelopes a test sends; acks are matched to their envelope_id.
 */

export interface FakeUser {
  id: string;
  name: string;
  real_name?: string;
  display_name?: string;
  is_bot?: boolean;
  deleted?: boolean;
}

export interface FakeChannel {
  id: string;
  name: string;
  is_private?: boolean;
  /** Whether the bot is in it (chat.postMessage fails with not_in_channel otherwise). */
  is_member?: boolean;
}

export interface FakeSlackOptions {
  botToken?: string;
  appToken?: string;
  users?: FakeUser[];
  channels?: FakeChannel[];
}

/** A Web API call, as the fake saw it. */
export interface ApiCall {
  method: string;
  params: Record<string, string>;
  status: number;
  at: number;
}

/** A message the bot posted. */
export interface Posted {
  channel: string;
  text: string;
  thread_ts?: string;
  ts: string;
  /** How it came: the Web API, or a slash command's response_url. */
  via?: "response_url";
}

export interface Ack {
  envelope_id: string;
  payload?: Record<string, unknown>;
}

export const BOT_USER_ID = "UBOT";
export const BOT_ID = "BBOT";
export const TEAM_ID = "T0TEAM";
export const APP_ID = "A0APP";

const BOT_METHODS = new Set([
  "auth.test",
  "chat.postMessage",
  "users.info",
  "users.list",
  "conversations.info",
  "conversations.list",
  "conversations.open",
]);

export class FakeSlack {
  readonly botToken: string;
  readonly appToken: string;
  readonly calls: ApiCall[] = [];
  readonly posts: Posted[] = [];
  readonly acks: Ack[] = [];
  readonly #users: FakeUser[];
  readonly #channels: FakeChannel[];
  readonly #dms = new Map<string, string>();
  readonly #responseUrls = new Map<string, { channel: string; used: number }>();
  readonly #rateLimits = new Map<string, { times: number; retryAfter: number }>();
  readonly #events = new EventEmitter();
  readonly #server: Server;
  readonly #wss = new WebSocketServer({ noServer: true });
  readonly #sockets = new Set<WebSocket>();
  #port = 0;
  #ts = 0;

  private constructor(options: FakeSlackOptions) {
    this.botToken = options.botToken ?? "xoxb-fake-bot-token";
    this.appToken = options.appToken ?? "xapp-fake-app-token";
    this.#users = [
      { id: BOT_USER_ID, name: "errand", real_name: "Errand", is_bot: true },
      ...(options.users ?? [
        { id: "UALICE", name: "alice", real_name: "Alice Liddell", display_name: "alice" },
        { id: "UBOB", name: "bob", real_name: "Bob Builder", display_name: "" },
      ]),
    ];
    this.#channels = options.channels ?? [
      { id: "COPS", name: "ops", is_member: true },
      { id: "CRANDOM", name: "random", is_member: true },
      { id: "GSECRET", name: "secret", is_private: true, is_member: true },
      { id: "COUTSIDE", name: "outside", is_member: false },
    ];
    this.#events.setMaxListeners(100);
    this.#server = createServer((req, res) => {
      this.#serve(req, res).catch((err) => {
        res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ ok: false, error: "fatal_error", detail: String(err) }));
      });
    });
    this.#server.on("upgrade", (req, socket, head) => this.#upgrade(req, socket, head));
  }

  static async start(options: FakeSlackOptions = {}): Promise<FakeSlack> {
    const fake = new FakeSlack(options);
    await new Promise<void>((ok) => fake.#server.listen(0, "127.0.0.1", ok));
    fake.#port = (fake.#server.address() as AddressInfo).port;
    return fake;
  }

  /** What SLACK_API_URL points at. */
  get apiUrl(): string {
    return `http://127.0.0.1:${this.#port}/api/`;
  }

  /** The next `times` calls of `method` get 429 with `Retry-After: retryAfter` (seconds). */
  rateLimit(method: string, retryAfter: number, times = 1): void {
    this.#rateLimits.set(method, { times, retryAfter });
  }

  callsOf(method: string): ApiCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** A fresh message timestamp, as Slack makes them ("1700000000.000100"). */
  nextTs(): string {
    this.#ts += 1;
    return `${Math.floor(Date.now() / 1000)}.${String(this.#ts).padStart(6, "0")}`;
  }

  /** Resolves with the posts once `count` of them match `where` (waits for them to arrive). */
  async waitForPosts(count: number, where: (p: Posted) => boolean = () => true): Promise<Posted[]> {
    for (;;) {
      const matching = this.posts.filter(where);
      if (matching.length >= count) return matching;
      await once(this.#events, "post");
    }
  }

  /** Resolves once a Socket Mode client is connected and has been greeted. */
  async waitForSocket(): Promise<void> {
    if (this.#sockets.size > 0) return;
    await once(this.#events, "socket");
  }

  get socketCount(): number {
    return this.#sockets.size;
  }

  /**
   * Sends an envelope to every connected Socket Mode client, as Slack does, and resolves with the ack
   * the bot sends back for it.
   */
  async sendEnvelope(
    type: "events_api" | "slash_commands" | "interactive",
    payload: Record<string, unknown>,
    options: { envelopeId?: string; retryAttempt?: number; retryReason?: string } = {},
  ): Promise<Ack> {
    const envelopeId = options.envelopeId ?? randomUUID();
    const envelope: Record<string, unknown> = {
      envelope_id: envelopeId,
      payload,
      type,
      accepts_response_payload: type !== "events_api",
    };
    if (type === "events_api") {
      envelope.retry_attempt = options.retryAttempt ?? 0;
      envelope.retry_reason = options.retryReason ?? "";
    }
    if (this.#sockets.size === 0) throw new Error("no Socket Mode client is connected");
    const acked = this.waitForAck(envelopeId);
    for (const ws of this.#sockets) ws.send(JSON.stringify(envelope));
    return acked;
  }

  async waitForAck(envelopeId: string): Promise<Ack> {
    for (;;) {
      const ack = this.acks.find((a) => a.envelope_id === envelopeId);
      if (ack) return ack;
      await once(this.#events, "ack");
    }
  }

  /** An events_api payload (also the body of an HTTP event delivery) for `event`. */
  eventCallback(event: Record<string, unknown>, eventId = `Ev${randomUUID().slice(0, 8).toUpperCase()}`) {
    return {
      token: "verification-token-unused",
      team_id: TEAM_ID,
      api_app_id: APP_ID,
      event: { event_ts: event.ts, ...event },
      type: "event_callback",
      event_id: eventId,
      event_time: Math.floor(Date.now() / 1000),
      authorizations: [
        {
          enterprise_id: null,
          team_id: TEAM_ID,
          user_id: BOT_USER_ID,
          is_bot: true,
          is_enterprise_install: false,
        },
      ],
      is_ext_shared_channel: false,
    };
  }

  /** A slash command payload, as Slack sends it (all values are strings). */
  slashCommand(fields: { command?: string; text: string; user_id: string; channel_id: string }) {
    const channel = this.#channels.find((c) => c.id === fields.channel_id);
    const user = this.#users.find((u) => u.id === fields.user_id);
    return {
      token: "verification-token-unused",
      team_id: TEAM_ID,
      team_domain: "acme",
      channel_id: fields.channel_id,
      channel_name: channel?.name ?? (fields.channel_id.startsWith("D") ? "directmessage" : "privategroup"),
      user_id: fields.user_id,
      user_name: user?.name ?? "someone",
      command: fields.command ?? "/errand",
      text: fields.text,
      api_app_id: APP_ID,
      is_enterprise_install: "false",
      response_url: this.#responseUrl(fields.channel_id),
      trigger_id: "1.2.3",
    };
  }

  /** A response_url for a slash command in `channel`: what is posted there shows in that channel. */
  #responseUrl(channel: string): string {
    const path = `/commands/${TEAM_ID}/${randomUUID().slice(0, 8)}/${randomUUID().slice(0, 12)}`;
    this.#responseUrls.set(path, { channel, used: 0 });
    return `http://127.0.0.1:${this.#port}${path}`;
  }

  /** Asks every Socket Mode client to reconnect, as Slack does when it recycles a connection. */
  disconnectSockets(): void {
    for (const ws of this.#sockets)
      ws.send(JSON.stringify({ type: "disconnect", reason: "refresh_requested" }));
  }

  async close(): Promise<void> {
    for (const ws of this.#sockets) ws.terminate();
    this.#wss.close();
    this.#server.closeAllConnections();
    await new Promise<void>((ok) => this.#server.close(() => ok()));
  }

  // --- the Web API -------------------------------------------------------------------------------

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const m = /^\/api\/([a-zA-Z.]+)$/.exec(url.pathname);
    const body = await readBody(req);
    const response = this.#responseUrls.get(url.pathname);
    if (response && req.method === "POST") return this.#respond(response, body, res);
    if (!m || req.method !== "POST") {
      // Slack's Web API takes GET too, but the SDK always POSTs.
      return reply(res, 404, { ok: false, error: "unknown_method" });
    }
    const method = m[1] as string;
    const params = {
      ...Object.fromEntries(url.searchParams),
      ...parseParams(body, req.headers["content-type"]),
    };
    const answer = (status: number, value: Record<string, unknown>, headers: Record<string, string> = {}) => {
      this.calls.push({ method, params, status, at: Date.now() });
      reply(res, status, value, headers);
    };
    const limit = this.#rateLimits.get(method);
    if (limit && limit.times > 0) {
      limit.times -= 1;
      return answer(429, { ok: false, error: "ratelimited" }, { "retry-after": String(limit.retryAfter) });
    }
    const auth = req.headers.authorization;
    const token = auth?.startsWith("Bearer ") ? auth.slice("Bearer ".length) : params.token;
    if (!token) return answer(200, { ok: false, error: "not_authed" });
    if (token !== this.botToken && token !== this.appToken)
      return answer(200, { ok: false, error: "invalid_auth" });
    if (method === "apps.connections.open") {
      if (token !== this.appToken) return answer(200, { ok: false, error: "not_allowed_token_type" });
      return answer(200, {
        ok: true,
        url: `ws://127.0.0.1:${this.#port}/link/?ticket=${randomUUID()}&app_id=${APP_ID}`,
      });
    }
    if (!BOT_METHODS.has(method)) return answer(200, { ok: false, error: "unknown_method" });
    if (token !== this.botToken) return answer(200, { ok: false, error: "not_allowed_token_type" });
    const result = this.#call(method, params);
    answer(200, result);
    if (method === "chat.postMessage" && result.ok) this.#events.emit("post");
  }

  /** A slash command's response_url: JSON `{ text, response_type }`, at most 5 uses, no token. */
  #respond(target: { channel: string; used: number }, body: string, res: ServerResponse): void {
    let message: { text?: string; response_type?: string };
    try {
      message = JSON.parse(body) as typeof message;
    } catch {
      reply(res, 400, { ok: false, error: "invalid_payload" });
      return;
    }
    if (target.used >= 5 || !message.text) {
      reply(res, target.used >= 5 ? 404 : 400, {
        ok: false,
        error: target.used >= 5 ? "used_url" : "no_text",
      });
      return;
    }
    target.used += 1;
    this.posts.push({ channel: target.channel, text: message.text, ts: this.nextTs(), via: "response_url" });
    reply(res, 200, { ok: true });
    this.#events.emit("post");
  }

  #call(method: string, p: Record<string, string>): Record<string, unknown> {
    switch (method) {
      case "auth.test":
        return {
          ok: true,
          url: "https://acme.slack.com/",
          team: "Acme",
          user: "errand",
          team_id: TEAM_ID,
          user_id: BOT_USER_ID,
          bot_id: BOT_ID,
          is_enterprise_install: false,
        };
      case "chat.postMessage":
        return this.#postMessage(p);
      case "users.info": {
        const user = this.#users.find((u) => u.id === p.user);
        return user ? { ok: true, user: userObject(user) } : { ok: false, error: "user_not_found" };
      }
      case "users.list":
        return { ok: true, ...page(this.#users.map(userObject), p, "members") };
      case "conversations.info": {
        const channel = p.channel ?? "";
        if (channel.startsWith("D") && [...this.#dms.values()].includes(channel)) {
          return { ok: true, channel: { id: channel, is_im: true, user: this.#dmUser(channel) } };
        }
        const c = this.#channels.find((x) => x.id === channel);
        if (!c || (c.is_private && !c.is_member)) return { ok: false, error: "channel_not_found" };
        return { ok: true, channel: channelObject(c) };
      }
      case "conversations.list": {
        const types = (p.types ?? "public_channel").split(",");
        const visible = this.#channels.filter((c) =>
          c.is_private ? types.includes("private_channel") && c.is_member : types.includes("public_channel"),
        );
        return { ok: true, ...page(visible.map(channelObject), p, "channels") };
      }
      case "conversations.open": {
        const users = (p.users ?? "").split(",").filter(Boolean);
        if (users.length !== 1)
          return { ok: false, error: users.length ? "not_implemented" : "users_list_not_supplied" };
        const user = this.#users.find((u) => u.id === users[0]);
        if (!user || user.deleted) return { ok: false, error: "user_not_found" };
        return { ok: true, channel: { id: this.#dmWith(user.id) } };
      }
      default:
        return { ok: false, error: "unknown_method" };
    }
  }

  #postMessage(p: Record<string, string>): Record<string, unknown> {
    const given = p.channel ?? "";
    if (!p.text && !p.blocks && !p.attachments) return { ok: false, error: "no_text" };
    if ((p.text ?? "").length > 40_000) return { ok: false, error: "msg_too_long" };
    let channel = given;
    // Posting to a user id posts in the bot's direct conversation with them.
    if (/^[UW]/.test(given)) {
      if (!this.#users.some((u) => u.id === given)) return { ok: false, error: "channel_not_found" };
      channel = this.#dmWith(given);
    } else if (given.startsWith("D")) {
      if (![...this.#dms.values()].includes(given)) return { ok: false, error: "channel_not_found" };
    } else {
      const c = this.#channels.find((x) => x.id === given);
      if (!c || (c.is_private && !c.is_member)) return { ok: false, error: "channel_not_found" };
      if (!c.is_member) return { ok: false, error: "not_in_channel" };
    }
    const ts = this.nextTs();
    const posted: Posted = {
      channel,
      text: p.text ?? "",
      ts,
      ...(p.thread_ts ? { thread_ts: p.thread_ts } : {}),
    };
    this.posts.push(posted);
    return {
      ok: true,
      channel,
      ts,
      message: {
        type: "message",
        user: BOT_USER_ID,
        bot_id: BOT_ID,
        text: posted.text,
        ts,
        thread_ts: p.thread_ts,
      },
    };
  }

  /** The direct conversation id of the bot and `user` ("D" + the user id, made on first use). */
  #dmWith(user: string): string {
    let id = this.#dms.get(user);
    if (!id) {
      id = `D${user.slice(1)}`;
      this.#dms.set(user, id);
    }
    return id;
  }

  #dmUser(channel: string): string | undefined {
    return [...this.#dms.entries()].find(([, id]) => id === channel)?.[0];
  }

  /** A DM the user opened: events in it come from this channel id. */
  dmOf(user: string): string {
    return this.#dmWith(user);
  }

  // --- Socket Mode -------------------------------------------------------------------------------

  #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (url.pathname !== "/link/" || !url.searchParams.get("ticket")) {
      socket.end("HTTP/1.1 404 Not Found\r\n\r\n");
      return;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      this.#sockets.add(ws);
      ws.on("message", (data) => {
        let message: Ack;
        try {
          message = JSON.parse(String(data)) as Ack;
        } catch {
          return;
        }
        if (typeof message.envelope_id === "string") {
          this.acks.push(message);
          this.#events.emit("ack");
        }
      });
      ws.on("close", () => this.#sockets.delete(ws));
      // Slack pings every few seconds; the client counts on it to know the connection is alive.
      const ping = setInterval(() => ws.ping(), 5_000);
      ping.unref();
      ws.on("close", () => clearInterval(ping));
      ws.send(
        JSON.stringify({
          type: "hello",
          num_connections: this.#sockets.size,
          debug_info: { host: "fake-slack", approximate_connection_time: 18060 },
          connection_info: { app_id: APP_ID },
        }),
      );
      this.#events.emit("socket");
    });
  }
}

function userObject(u: FakeUser) {
  return {
    id: u.id,
    team_id: TEAM_ID,
    name: u.name,
    deleted: u.deleted ?? false,
    real_name: u.real_name ?? u.name,
    is_bot: u.is_bot ?? false,
    profile: { display_name: u.display_name ?? u.name, real_name: u.real_name ?? u.name },
  };
}

function channelObject(c: FakeChannel) {
  return {
    id: c.id,
    name: c.name,
    is_channel: !c.is_private,
    is_group: false,
    is_im: false,
    is_mpim: false,
    is_private: c.is_private ?? false,
    is_archived: false,
    is_member: c.is_member ?? false,
  };
}

/** Cursor pagination: `cursor` is the offset, `limit` the page size (Slack's default is 100). */
function page<T>(items: T[], p: Record<string, string>, key: string) {
  const start = p.cursor
    ? Number(Buffer.from(p.cursor, "base64").toString("utf8").replace("offset:", ""))
    : 0;
  const limit = Math.min(Number(p.limit ?? 100) || 100, 1000);
  const next = start + limit < items.length ? Buffer.from(`offset:${start + limit}`).toString("base64") : "";
  return { [key]: items.slice(start, start + limit), response_metadata: { next_cursor: next } };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((ok, fail) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => ok(Buffer.concat(chunks).toString("utf8")));
    req.on("error", fail);
  });
}

function parseParams(body: string, contentType: string | undefined): Record<string, string> {
  if (!body) return {};
  if (/json/i.test(contentType ?? "")) {
    const value = JSON.parse(body) as Record<string, unknown>;
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
    );
  }
  return Object.fromEntries(new URLSearchParams(body));
}

function reply(
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
  res.end(JSON.stringify(value));
}
