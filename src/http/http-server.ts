import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ConfigError, isErrandError, NotFoundError, PermissionDeniedError } from "../errors.js";
import { type Logger, newErrorId } from "../log.js";
import { RateLimiter } from "../security/rate-limit.js";
import { isValidSignature } from "./verify-signature.js";

export const MAX_BODY_BYTES = 1024 * 1024;

/** What a plugin's webhook function gets. */
export interface HookRequest {
  method: string;
  /** Parsed: JSON, or form fields, or the text as it came. */
  body: unknown;
  /** Lower-case names. */
  headers: Record<string, string>;
  query: Record<string, string>;
}

export interface HookTarget {
  /** The plugin's `webhookSecret`, when it has one: then every request must be signed with it. */
  secret: string | null;
  run(request: HookRequest): Promise<unknown>;
}

export interface HttpHandlers {
  health(): Record<string, unknown>;
  /** The webhook `name` of `plugin`; throws NotFoundError when there is none. */
  hook(plugin: string, name: string): HookTarget;
  /** Routes of the backend (Slack's `POST /slack/events`), served beside the hooks. */
  routes?: readonly HttpRoute[];
}

/**
 * A route a backend serves on the bot's HTTP server. It gets the raw body (so it can check a signature
 * over the exact bytes) once the server has checked its size, and answers with a status and a body.
 */
export interface HttpRoute {
  method: "POST";
  path: string;
  handle(request: RawHttpRequest): Promise<HttpAnswer>;
}

export interface RawHttpRequest {
  /** Lower-case names. */
  headers: Record<string, string>;
  body: Buffer;
}

export interface HttpAnswer {
  status: number;
  headers?: Record<string, string>;
  body: string;
}

/**
 * The bot's HTTP server, on 127.0.0.1 only: `GET /healthz` and `POST /hooks/PLUGIN/NAME`. Bodies over
 * 1 MiB get 413, unsigned or wrongly signed requests to a hook with a secret 401, unknown hooks 404, a
 * flood 429, and a failing hook 500 with an id (the log has the details, the caller gets none).
 */
export async function startHttpServer(
  port: number,
  handlers: HttpHandlers,
  log: Logger,
  perMinute: number,
): Promise<{ port: number; server: Server; close(): Promise<void> }> {
  const limiter = new RateLimiter(perMinute);
  const server = createServer((req, res) => {
    handle(req, res, handlers, limiter, log).catch((err) => {
      log.error({ err }, "http handler failed");
      if (!res.headersSent) send(res, 500, { error: "internal error" });
    });
  });
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  await new Promise<void>((ok, fail) => {
    server.once("error", (err: NodeJS.ErrnoException) =>
      fail(
        err.code === "EADDRINUSE" || err.code === "EACCES"
          ? new ConfigError(
              `Cannot listen on 127.0.0.1:${port} (${err.code === "EADDRINUSE" ? "the port is in use" : "not allowed"}). ` +
                "Pick another with --http-port, or 0 for any free port.",
              { cause: err },
            )
          : err,
      ),
    );
    server.listen(port, "127.0.0.1", () => ok());
  });
  return {
    port: (server.address() as AddressInfo).port,
    server,
    close: () =>
      new Promise((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  h: HttpHandlers,
  limiter: RateLimiter,
  log: Logger,
) {
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  if (url.pathname === "/healthz") {
    if (req.method !== "GET" && req.method !== "HEAD")
      return send(res, 405, { error: "use GET" }, { allow: "GET, HEAD" });
    return send(res, 200, h.health());
  }
  const route = h.routes?.find((r) => r.path === url.pathname);
  if (route) return serveRoute(route, req, res, log);
  const m = /^\/hooks\/([a-z][a-z0-9-]*)\/([A-Za-z_$][\w$]*)\/?$/.exec(url.pathname);
  if (!m) return send(res, 404, { error: "not found" });
  const [, plugin, name] = m as unknown as [string, string, string];
  if (req.method !== "POST") return send(res, 405, { error: "use POST" }, { allow: "POST" });
  let target: HookTarget;
  try {
    target = h.hook(plugin, name);
  } catch (err) {
    if (err instanceof NotFoundError || err instanceof PermissionDeniedError)
      return send(res, 404, { error: err.message });
    throw err;
  }
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > MAX_BODY_BYTES) {
    req.resume();
    return send(res, 413, { error: `the body is over ${MAX_BODY_BYTES} bytes` }, { connection: "close" });
  }
  const body = await readBody(req);
  if (body === null)
    return send(res, 413, { error: `the body is over ${MAX_BODY_BYTES} bytes` }, { connection: "close" });
  if (target.secret !== null && !isValidSignature(target.secret, body, header(req, "x-hub-signature-256"))) {
    return send(res, 401, { error: "missing or wrong X-Hub-Signature-256" });
  }
  // Counted after the signature check, so that unsigned junk cannot use up a signed hook's allowance.
  if (limiter.take(`${plugin}/${name}`) !== "ok") {
    return send(
      res,
      429,
      { error: "too many requests" },
      { "retry-after": String(Math.max(1, limiter.waitSeconds(`${plugin}/${name}`))) },
    );
  }
  const request: HookRequest = {
    method: req.method,
    body: parseBody(body, header(req, "content-type")),
    headers: lowerCaseHeaders(req),
    query: Object.fromEntries(url.searchParams),
  };
  try {
    const result = await target.run(request);
    if (typeof result === "string") return sendText(res, 200, result);
    // A hook chooses its status by answering { httpStatus, body } (a refused token: 403).
    const chosen = result as { httpStatus?: unknown; body?: unknown } | null;
    if (
      chosen &&
      typeof chosen.httpStatus === "number" &&
      chosen.httpStatus >= 200 &&
      chosen.httpStatus < 600
    ) {
      return send(res, chosen.httpStatus, chosen.body ?? {});
    }
    return send(res, 200, result ?? { ok: true });
  } catch (err) {
    const id = newErrorId();
    log.error(
      { err, errorId: id, plugin, hook: name },
      `webhook failed${isErrandError(err) ? `: ${err.message}` : ""}`,
    );
    return send(res, 500, { error: "the hook failed", id });
  }
}

async function serveRoute(route: HttpRoute, req: IncomingMessage, res: ServerResponse, log: Logger) {
  if (req.method !== route.method)
    return send(res, 405, { error: `use ${route.method}` }, { allow: route.method });
  const tooBig = Number(req.headers["content-length"] ?? 0) > MAX_BODY_BYTES;
  if (tooBig) req.resume();
  const body = tooBig ? null : await readBody(req);
  if (body === null)
    return send(res, 413, { error: `the body is over ${MAX_BODY_BYTES} bytes` }, { connection: "close" });
  try {
    const answer = await route.handle({ headers: lowerCaseHeaders(req), body });
    respond(res, answer.status, withoutLength(answer.headers ?? {}), answer.body);
  } catch (err) {
    const id = newErrorId();
    log.error({ err, errorId: id, path: route.path }, "http route failed");
    send(res, 500, { error: "internal error", id });
  }
}

function lowerCaseHeaders(req: IncomingMessage): Record<string, string> {
  return Object.fromEntries(
    Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : (v ?? "")]),
  );
}

/** The raw body, or null when it goes over the limit (then the rest is not read). */
function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((ok, fail) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.removeAllListeners("data");
        req.resume();
        ok(null);
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => ok(Buffer.concat(chunks)));
    req.on("error", fail);
  });
}

function parseBody(body: Buffer, contentType: string | undefined): unknown {
  const text = body.toString("utf8");
  if (/\bjson\b/i.test(contentType ?? "")) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  if (/x-www-form-urlencoded/i.test(contentType ?? "")) {
    const form = Object.fromEntries(new URLSearchParams(text));
    // GitHub sends JSON inside a form field called payload when asked for form encoding.
    if (typeof form.payload === "string") {
      try {
        return { ...form, payload: JSON.parse(form.payload) };
      } catch {
        return form;
      }
    }
    return form;
  }
  return text;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function send(
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): void {
  respond(res, status, { "content-type": "application/json", ...headers }, JSON.stringify(value));
}

function sendText(res: ServerResponse, status: number, text: string): void {
  respond(res, status, { "content-type": "text/plain; charset=utf-8" }, text);
}

/**
 * Every answer that has a body states its length: one write with the headers, where a chunked answer
 * (what Node sends after writeHead without one) takes more bytes and writes, and some webhook senders
 * and proxies handle it worse. 1xx, 204 and 304 answers have none (RFC 9110; Node sends no body with
 * them). A missing body is an empty one.
 */
function respond(
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: string | undefined,
): void {
  const text = body ?? "";
  if (status < 200 || status === 204 || status === 304) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  res.writeHead(status, { ...headers, "content-length": String(Buffer.byteLength(text)) });
  res.end(text);
}

/** A route's headers without its own length or framing (in any case): the length is the server's to state. */
function withoutLength(headers: Record<string, string>): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (lower !== "content-length" && lower !== "transfer-encoding") kept[name] = value;
  }
  return kept;
}
