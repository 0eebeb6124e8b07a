import type { Context, HttpResponse } from "errand/plugin";
import { jobPath } from "./job-path.js";

/** A Jenkins failure said as a plain sentence, ready for chat. */
export class JenkinsError extends Error {}

interface Crumb {
  field: string;
  value: string;
  cookie: string | null;
}

// Lives as long as the plugin's isolate; a new one fetches a crumb again when Jenkins asks for it.
let crumb: Crumb | null = null;

export function baseUrl(ctx: Context): string {
  return String(ctx.config.url).replace(/\/+$/, "");
}

export function jobUrl(ctx: Context, job: string): string {
  return `${baseUrl(ctx)}${jobPath(job)}/`;
}

function auth(ctx: Context): { user: string; password: string } | undefined {
  const { user, token } = ctx.config as { user?: string; token?: string };
  return user && token ? { user, password: token } : undefined;
}

/** GET, with errors turned into sentences. A 404 comes back to the caller, who knows what was missing. */
export async function get(ctx: Context, path: string): Promise<HttpResponse> {
  const res = await send(ctx, "GET", path);
  if (res.status !== 404) check(ctx, res, path);
  return res;
}

/** GET of an `/api/json` path; null for a 404. */
export async function getJson<T>(ctx: Context, path: string): Promise<T | null> {
  const res = await get(ctx, path);
  if (res.status === 404) return null;
  return (res.json ?? JSON.parse(res.body)) as T;
}

/**
 * POST without following redirects (the answers of triggers and stops are in their Location). When
 * Jenkins wants a CSRF crumb, it is fetched once (with its session cookie) and the POST is retried.
 */
export async function post(ctx: Context, path: string, form?: Record<string, string>): Promise<HttpResponse> {
  let res = await send(ctx, "POST", path, form);
  if (res.status === 403 && /crumb/i.test(res.body)) {
    crumb = await fetchCrumb(ctx);
    res = await send(ctx, "POST", path, form);
  }
  if (res.status !== 404) check(ctx, res, path);
  return res;
}

async function send(
  ctx: Context,
  method: string,
  path: string,
  form?: Record<string, string>,
): Promise<HttpResponse> {
  const headers: Record<string, string> = {};
  if (method === "POST" && crumb) {
    headers[crumb.field] = crumb.value;
    if (crumb.cookie) headers.cookie = crumb.cookie;
  }
  try {
    return await ctx.http.request({
      method,
      url: `${baseUrl(ctx)}${path}`,
      headers,
      auth: auth(ctx),
      body: form ? { form } : undefined,
      followRedirects: false,
    });
  } catch (err) {
    const reason = String((err as Error).message ?? err).replace(/^Plugin jenkins: /, "");
    throw new JenkinsError(
      `Jenkins at ${baseUrl(ctx)} is unreachable (${reason}). Check the url with \`!plugin config jenkins\`.`,
    );
  }
}

async function fetchCrumb(ctx: Context): Promise<Crumb | null> {
  const res = await send(ctx, "GET", "/crumbIssuer/api/json");
  if (res.status === 404) return null;
  check(ctx, res, "/crumbIssuer/api/json");
  const body = res.json as { crumb: string; crumbRequestField: string };
  const session = /(JSESSIONID[^=]*=[^;,\s]+)/.exec(res.headers["set-cookie"] ?? "");
  return {
    field: body.crumbRequestField,
    value: body.crumb,
    cookie: session ? (session[1] as string) : null,
  };
}

function check(ctx: Context, res: HttpResponse, path: string): void {
  if (res.status < 400) return;
  if (res.status === 401) {
    throw new JenkinsError(
      `Jenkins refused the bot's credentials (401). Set a valid user and API token: \`!plugin config jenkins user=NAME token=TOKEN\` (in a direct message).`,
    );
  }
  if (res.status === 403) {
    const who = res.headers["x-you-are-authenticated-as"] ?? String(ctx.config.user ?? "anonymous");
    const permission = res.headers["x-required-permission"];
    if (permission)
      throw new JenkinsError(`Jenkins user ${who} lacks the permission ${permission} for that.`);
    throw new JenkinsError(`Jenkins refused ${who} (403): ${firstLine(res.body)}`);
  }
  if (res.status === 409)
    throw new JenkinsError(firstLine(res.body) || "Jenkins refused: the job is not buildable (disabled?).");
  throw new JenkinsError(`Jenkins answered ${res.status} to ${path}: ${firstLine(res.body)}`);
}

function firstLine(body: string): string {
  return (
    body
      .replace(/<[^>]+>/g, " ")
      .trim()
      .split("\n")[0] ?? ""
  )
    .slice(0, 200)
    .trim();
}

/** The queue item id in a trigger's Location ("…/queue/item/42/"). */
export function queueIdOf(res: HttpResponse): number | null {
  const m = /\/queue\/item\/(\d+)\/?$/.exec(res.headers.location ?? "");
  return m ? Number(m[1]) : null;
}
