import { PermissionDeniedError } from "../errors.js";
import type { HttpResponse } from "../plugin-api/index.js";

export type { HttpResponse };

import { type HostRule, isUrlAllowed } from "./net-policy.js";

export interface HttpRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** A string, `{ json: value }`, or `{ form: { key: value } }`. */
  body?: string | { json?: unknown; form?: Record<string, unknown> } | null;
  auth?: { user: string; password: string };
  timeoutMs?: number;
  /** false: answer a 3xx as it is, Location included (e.g. Jenkins' queue item after a trigger). */
  followRedirects?: boolean;
}

export interface HttpLimits {
  maxResponseBytes: number;
  timeoutMs: number;
  maxRedirects: number;
}

export const defaultHttpLimits: HttpLimits = {
  maxResponseBytes: 5 * 1024 * 1024,
  timeoutMs: 15_000,
  maxRedirects: 5,
};

/**
 * HTTP for a plugin: only to allowed hosts, redirects followed by hand so that each hop is checked,
 * with a size and time limit. Credentials never follow a redirect to another host.
 */
export async function pluginFetch(
  plugin: string,
  req: HttpRequest,
  rules: readonly HostRule[],
  limits: HttpLimits = defaultHttpLimits,
): Promise<HttpResponse> {
  let url = parseUrl(plugin, req.url);
  let method = req.method;
  let body = encodeBody(req);
  const headers = { ...req.headers, ...body.headers };
  if (req.auth)
    headers.authorization = `Basic ${Buffer.from(`${req.auth.user}:${req.auth.password}`).toString("base64")}`;
  const origin = url.origin;
  const timeoutMs = Math.min(req.timeoutMs ?? limits.timeoutMs, limits.timeoutMs);
  const signal = AbortSignal.timeout(timeoutMs);
  for (let hop = 0; ; hop++) {
    if (!isUrlAllowed(url, rules)) {
      throw new PermissionDeniedError(
        `Plugin ${plugin} may not reach ${url.host}${hop > 0 ? ` (a redirect from ${req.url})` : ""}: ` +
          `it is not in the plugin's permissions.net${rules.length ? ` (${rules.map((r) => r.source).join(", ")})` : ""}.`,
      );
    }
    let res: Response;
    try {
      res = await fetch(url, { method, headers, body: body.data, redirect: "manual", signal });
    } catch (err) {
      const reason = signal.aborted ? `no answer within ${timeoutMs} ms` : describeFetchError(err);
      throw new Error(`Plugin ${plugin}: ${method} ${url.origin}${url.pathname} failed: ${reason}.`, {
        cause: err,
      });
    }
    const location = res.headers.get("location");
    if (
      res.status >= 300 &&
      res.status < 400 &&
      location &&
      res.status !== 304 &&
      req.followRedirects !== false
    ) {
      await res.body?.cancel();
      if (hop >= limits.maxRedirects)
        throw new Error(`Plugin ${plugin}: more than ${limits.maxRedirects} redirects from ${req.url}.`);
      url = new URL(location, url);
      if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === "POST")) {
        method = "GET";
        body = { data: undefined, headers: {} };
        delete headers["content-type"];
      }
      if (url.origin !== origin) delete headers.authorization;
      continue;
    }
    const text = await readLimited(plugin, res, limits.maxResponseBytes);
    const responseHeaders: Record<string, string> = {};
    res.headers.forEach((v, k) => {
      responseHeaders[k] = v;
    });
    const response: HttpResponse = {
      status: res.status,
      ok: res.ok,
      headers: responseHeaders,
      body: text,
      url: url.href,
    };
    if (/\bjson\b/i.test(res.headers.get("content-type") ?? "")) {
      try {
        response.json = JSON.parse(text);
      } catch {
        // Not really JSON: the body is still there as text.
      }
    }
    return response;
  }
}

function parseUrl(plugin: string, raw: string): URL {
  try {
    return new URL(raw);
  } catch {
    throw new Error(`Plugin ${plugin}: "${raw}" is not a URL.`);
  }
}

function encodeBody(req: HttpRequest): { data: string | undefined; headers: Record<string, string> } {
  const b = req.body;
  if (b === undefined || b === null) return { data: undefined, headers: {} };
  if (typeof b === "string") return { data: b, headers: {} };
  if (b.form !== undefined) {
    const form = new URLSearchParams();
    for (const [k, v] of Object.entries(b.form ?? {})) form.append(k, String(v));
    return { data: form.toString(), headers: { "content-type": "application/x-www-form-urlencoded" } };
  }
  return { data: JSON.stringify(b.json ?? null), headers: { "content-type": "application/json" } };
}

async function readLimited(plugin: string, res: Response, max: number): Promise<string> {
  const declared = Number(res.headers.get("content-length") ?? "0");
  if (declared > max) {
    await res.body?.cancel();
    throw new Error(`Plugin ${plugin}: the response is ${declared} bytes; the limit is ${max}.`);
  }
  if (!res.body) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    size += chunk.byteLength;
    if (size > max) {
      await res.body.cancel().catch(() => {});
      throw new Error(`Plugin ${plugin}: the response is over the limit of ${max} bytes.`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function describeFetchError(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code === "ECONNREFUSED") return "connection refused (is the server running?)";
  if (cause?.code === "ENOTFOUND") return "unknown host";
  return cause?.message ?? (err as Error).message;
}
