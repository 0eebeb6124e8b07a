/**
 * THE guest→host surface: everything a sandboxed plugin can ask of the host goes through `handleGuestCall`
 * below, and the guest side of it is GUEST_BOOTSTRAP (with its store, guest-store.ts). A security review
 * reads this file, and the two other places guest output is read: `applyStoreWrites` here, with the
 * numbered reports of guest-writes.ts, and the result prefix in `Sandbox.call`.
 *
 * Rules it keeps:
 * - Only primitives (strings, numbers, booleans, null) and JSON text cross the boundary, both ways:
 *   the guest never holds a host object, so it cannot reach the host through prototypes. The one
 *   isolated-vm Reference lives in the bootstrap's closure, out of reach of plugin code (which runs
 *   after it, in the same isolate but another scope).
 * - Every operation names a call token the host issued; a token from a finished call or another
 *   plugin is refused. Capabilities are checked here, on the host, never trusted from the guest.
 * - A plugin's `@match` regular expressions are plugin code: they run in its isolate (`__errandMatch`
 *   below), under its limits, never on the host, where a catastrophic one would freeze the bot. The
 *   host reads only the copied result (`readMatches`), and checks its shape.
 */
import { PermissionDeniedError } from "../errors.js";
import type { StoreWrite } from "../plugins/plugin-store.js";
import { GUEST_STORE } from "./guest-store.js";
import type { HttpRequest, HttpResponse } from "./plugin-http.js";

/** Host operations one call may ask for (more would flood the bot with work counted to nobody). */
export const MAX_OPS_PER_CALL = 10_000;

/**
 * Guest code, run once per isolate before the plugin's own script. `$0` is the host Reference; `$1` is a
 * copy of the plugin's `@match` patterns (`{ source, flags }`), compiled here before plugin code runs;
 * `$2` the store's limits (see guest-store.ts); `$3` the plugin's config, frozen here once for every
 * call (a sandbox lives as long as its config: a new config starts a new one).
 */
export const GUEST_BOOTSTRAP = `
const hostRef = $0;
const { parse, stringify } = JSON;
const { freeze, keys, create } = Object;
const isArray = Array.isArray;
const toText = String;
const { apply } = Reflect;
const regExpExec = RegExp.prototype.exec;
const matchPatterns = $1.map((p) => new RegExp(p.source, p.flags));
const GuestPromise = Promise;
const promiseThen = GuestPromise.prototype.then;
const ignore = () => undefined;
// Each call has its state, which only the bootstrap's closures hold: { token, live, ops, storeOps }.
// While live, it may ask the host for anything; ops are the ids of its operations waiting for an
// answer, storeOps its store operations (see guest-store.ts). console.* logs as LOAD, outside any call.
const LOAD = freeze({ token: "load", live: false, ops: undefined, storeOps: undefined });
const pluginError = (message) => new Error("Plugin " + $2.plugin + ": " + message);
const finished = () => pluginError("this command has finished, so it cannot reply or use the store any more.");
// Operations waiting for the host's answer, by id. The host answers through __errandDeliver, a call it
// makes (and limits) itself: the guest never runs except inside a call the host made and timed. A
// call's operations are forgotten when it ends, so no plugin code runs for a call that has answered.
const waiting = create(null);
let lastOp = 0;
const send = (op, token, args, id) =>
  hostRef.applyIgnored(undefined, [op, token, stringify(args === undefined ? null : args), id], {
    arguments: { copy: true },
  });
const MAX_OPS_PER_CALL = ${MAX_OPS_PER_CALL};
const host = (op, call, args) =>
  new GuestPromise((resolve, reject) => {
    // A call that has ended asks nothing more; one call asks at most MAX_OPS_PER_CALL times.
    if (call.live !== true) throw finished();
    const ids = call.ops;
    if (ids !== undefined && ids.length >= MAX_OPS_PER_CALL)
      throw pluginError("one call may ask the host at most " + MAX_OPS_PER_CALL + " times.");
    const id = ++lastOp;
    waiting[id] = { resolve, reject };
    if (ids === undefined) call.ops = [id];
    else ids[ids.length] = id;
    send(op, call.token, args, id);
  });
// Called when a call ends, after its store operations settled.
const forgetOps = (call) => {
  const ids = call.ops;
  if (ids === undefined) return;
  call.ops = undefined;
  for (let i = 0; i < ids.length; i++) delete waiting[ids[i]];
};
globalThis.__errandDeliver = (id, failed, out) => {
  const op = waiting[id];
  if (op === undefined) return;
  delete waiting[id];
  if (failed) op.reject(new Error(out));
  else op.resolve(out === undefined ? undefined : parse(out));
};
const deepFreeze = (v) => {
  if (v && typeof v === "object") {
    for (const k of keys(v)) deepFreeze(v[k]);
    freeze(v);
  }
  return v;
};
const pluginConfig = deepFreeze($3);
// Log lines want no answer (id 0). A context kept past its call logs nothing.
const log = (call, level, m) => {
  if (call === LOAD || call.live === true) send("log", call.token, { level, message: toText(m) }, 0);
};
const logger = (call) => ({
  info: (m) => log(call, "info", m),
  warn: (m) => log(call, "warn", m),
  error: (m) => log(call, "error", m),
});
globalThis.console = freeze({
  log: (...a) => logger(LOAD).info(a.map(toText).join(" ")),
  info: (...a) => logger(LOAD).info(a.map(toText).join(" ")),
  warn: (...a) => logger(LOAD).warn(a.map(toText).join(" ")),
  error: (...a) => logger(LOAD).error(a.map(toText).join(" ")),
});
const http = (call) => {
  const request = (req) => host("http", call, req);
  return freeze({
    request,
    get: (url, options) => request({ ...(options || {}), method: "GET", url: toText(url) }),
    post: (url, body, options) => request({ ...(options || {}), method: "POST", url: toText(url), body }),
  });
};
${GUEST_STORE}
let exportsOf = {};
const fnName = (fn) => (typeof fn === "function" ? keys(exportsOf).find((k) => exportsOf[k] === fn) || fn.name : toText(fn));
const schedule = (call) =>
  freeze({
    after: (ms, fn, data) => host("schedule.after", call, { ms, fn: fnName(fn), data }),
    every: (spec, fn, data) => host("schedule.every", call, { spec, fn: fnName(fn), data }),
    cancel: (id) => host("schedule.cancel", call, { id: toText(id) }),
  });
globalThis.__errandInit = () => {
  exportsOf = globalThis.__errandPlugin || {};
  // The host holds these through References taken before plugin code ran; the plugin needs none of them.
  globalThis.__errandPlugin = undefined;
  delete globalThis.__errandInit;
  delete globalThis.__errandCall;
  delete globalThis.__errandMatch;
  delete globalThis.__errandDeliver;
  delete globalThis.__errandTakeWrites;
  return stringify(keys(exportsOf).filter((k) => typeof exportsOf[k] === "function"));
};
// For each @match pattern in order: null, or the whole match then the groups ("" for a group that took no part).
globalThis.__errandMatch = (text) => {
  const found = [];
  for (let i = 0; i < matchPatterns.length; i++) {
    const re = matchPatterns[i];
    re.lastIndex = 0;
    const m = apply(regExpExec, re, [text]);
    let groups = null;
    if (m !== null) {
      groups = [];
      for (let g = 0; g < m.length; g++) groups[g] = m[g] === undefined ? "" : toText(m[g]);
    }
    found[i] = groups;
  }
  return stringify(found);
};
// A call arrives as strings and flags, not as one JSON text: parsing that in the isolate, cold between
// two commands, cost more than the rest of a small command. The lists come as JSON ("[]" and "{}",
// the most common, are not parsed); positionalJson "" means the same as args (no key=value options).
const EMPTY_LIST = freeze([]);
const NO_OPTIONS = freeze({});
globalThis.__errandCall = async (
  exportName, token, text, userId, userName, room, thread, isDirect, raw, argsJson, positionalJson, optionsJson, matchJson,
) => {
  const args = argsJson === "[]" ? EMPTY_LIST : freeze(parse(argsJson));
  const positional = positionalJson === "" ? args : parse(positionalJson);
  const call = { token, live: true, ops: undefined, storeOps: undefined };
  const ctx = freeze({
    args,
    options: optionsJson === "{}" ? NO_OPTIONS : freeze(parse(optionsJson)),
    text,
    match: matchJson === "[]" ? EMPTY_LIST : freeze(parse(matchJson)),
    user: freeze({ id: userId, name: userName }),
    room,
    thread,
    isDirect,
    config: pluginConfig,
    reply: (text) => host("reply", call, { text: toText(text) }),
    send: (target, text) => host("send", call, { target: toText(target), text: toText(text) }),
    // Made for every call, though most use one of them or none: accessors that made them on demand
    // cost more (V8 builds an object literal with accessors at run time).
    store: store(call),
    http: http(call),
    schedule: schedule(call),
    log: freeze(logger(call)),
  });
  let result;
  try {
    result = await exportsOf[exportName](ctx, ...positional);
  } finally {
    // Store operations it started and did not wait for still belong to it (see guest-store.ts).
    // Checked again after each wait, and the call ends at once after: nothing can start in between.
    try {
      for (let ops = call.storeOps; ops !== undefined; ops = call.storeOps) {
        call.storeOps = undefined;
        for (let i = 0; i < ops.length; i++) await apply(promiseThen, ops[i], [undefined, ignore]);
      }
    } finally {
      // Even when plugin code makes the wait throw (a Promise.prototype.constructor getter, say).
      call.live = false;
      forgetOps(call);
    }
  }
  let out;
  if (raw) out = stringify(result === undefined ? null : result);
  else if (result === undefined || result === null) out = stringify(null);
  else if (typeof result === "string") out = stringify(result);
  else if (isArray(result)) out = stringify(result.map(toText));
  else throw new TypeError("a command returned " + typeof result + "; return text or an array of lines");
  // The store writes so far travel with the result (see guest-store.ts), then a newline, then the result.
  return takeWrites() + "\\n" + out;
};
`;

/** What the host does for one plugin's guest calls. */
export interface GuestServices {
  plugin: string;
  reply(token: string, text: string): Promise<void>;
  send(token: string, target: string, text: string): Promise<void>;
  store: {
    peek(key: string): Promise<{ json: string | null; size: number; used: number }>;
    /** Makes the writes in order (see PluginStore.apply): undefined when they are made already. */
    apply(writes: readonly StoreWrite[]): Promise<void> | undefined;
    list(prefix: string): Promise<string[]>;
  };
  /** What the guest checks its writes against before the host checks them again. */
  storeLimits: { quotaBytes: number; maxValueBytes: number; maxKeyLength: number };
  http(request: HttpRequest): Promise<HttpResponse>;
  schedule: {
    after(token: string, ms: number, fn: string, data: unknown): Promise<string>;
    every(token: string, spec: number | string, fn: string, data: unknown): Promise<string>;
    cancel(token: string, id: string): Promise<boolean>;
  };
  log(level: "info" | "warn" | "error", message: string): void;
  /** Is this token one the host issued to this plugin for a call still running? */
  isLiveToken(token: string): boolean;
}

const MAX_LOG_LENGTH = 4000;

/**
 * Handles one operation from the guest. Arguments arrive as a JSON string and the result leaves as one.
 * Anything the guest sends is untrusted: each field is checked for type before use.
 */
export async function handleGuestCall(
  services: GuestServices,
  op: string,
  token: string,
  argsJson: string,
): Promise<string | undefined> {
  const args = parseArgs(argsJson);
  if (op === "log") {
    const level = args.level === "warn" || args.level === "error" ? args.level : "info";
    services.log(level, text(args.message).slice(0, MAX_LOG_LENGTH));
    return undefined;
  }
  if (token !== "load" && !services.isLiveToken(token)) {
    throw new PermissionDeniedError(
      `Plugin ${services.plugin}: this command has finished, so it cannot reply or use the store any more.`,
    );
  }
  if (token === "load")
    throw new PermissionDeniedError(`Plugin ${services.plugin}: only logging is possible while loading.`);
  switch (op) {
    case "reply":
      await services.reply(token, text(args.text));
      return undefined;
    case "send":
      await services.send(token, text(args.target), text(args.text));
      return undefined;
    case "store.get":
      return JSON.stringify(await services.store.peek(text(args.key)));
    case "store.list":
      return JSON.stringify(await services.store.list(text(args.prefix)));
    case "http":
      return JSON.stringify(await services.http(toHttpRequest(args)));
    case "schedule.after":
      return JSON.stringify(
        await services.schedule.after(token, Number(args.ms), text(args.fn), args.data ?? null),
      );
    case "schedule.every": {
      const spec = typeof args.spec === "number" ? args.spec : text(args.spec);
      return JSON.stringify(await services.schedule.every(token, spec, text(args.fn), args.data ?? null));
    }
    case "schedule.cancel":
      return JSON.stringify(await services.schedule.cancel(token, text(args.id)));
    default:
      throw new PermissionDeniedError(`Plugin ${services.plugin}: unknown host operation "${op}".`);
  }
}

/**
 * Writes one batch of the guest's store writes (see guest-store.ts) through the plugin's store, in
 * order. Untrusted: unless every one is `["s", key, value]` or `["d", key]`, none is made; the store
 * checks each write again. Returns undefined when the writes are made already (see PluginStore.apply).
 */
export function applyStoreWrites(services: GuestServices, json: string): Promise<void> | undefined {
  const writes: unknown = JSON.parse(json);
  if (!Array.isArray(writes)) throw new TypeError("its store writes are not a list");
  if (!writes.every(isStoreWrite)) throw new TypeError("its store writes are not writes");
  return services.store.apply(writes);
}

function isStoreWrite(w: unknown): w is StoreWrite {
  return (
    Array.isArray(w) &&
    typeof w[1] === "string" &&
    ((w[0] === "s" && w.length === 3) || (w[0] === "d" && w.length === 2))
  );
}

function parseArgs(json: string): Record<string, unknown> {
  const value: unknown = typeof json === "string" ? JSON.parse(json) : null;
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function text(v: unknown): string {
  return typeof v === "string" ? v : String(v ?? "");
}

function toHttpRequest(args: Record<string, unknown>): HttpRequest {
  const headers: Record<string, string> = {};
  if (args.headers && typeof args.headers === "object") {
    for (const [k, v] of Object.entries(args.headers as Record<string, unknown>)) headers[k] = text(v);
  }
  const auth = args.auth as { user?: unknown; password?: unknown } | undefined;
  return {
    method: text(args.method || "GET").toUpperCase(),
    url: text(args.url),
    headers,
    body: args.body as HttpRequest["body"],
    auth:
      auth && typeof auth === "object" ? { user: text(auth.user), password: text(auth.password) } : undefined,
    timeoutMs: typeof args.timeoutMs === "number" ? args.timeoutMs : undefined,
    followRedirects: args.followRedirects !== false,
  };
}

/**
 * Reads what the guest's `__errandMatch` returned for `count` patterns: for each, null or the whole match
 * then the groups. Untrusted like any guest output (plugin code may have tampered with its own
 * realm): anything but that shape is refused.
 */
export function readMatches(json: unknown, count: number): (string[] | null)[] {
  const value: unknown = typeof json === "string" ? JSON.parse(json) : null;
  const isGroups = (v: unknown) => Array.isArray(v) && v.length > 0 && v.every((g) => typeof g === "string");
  if (!Array.isArray(value) || value.length !== count || !value.every((v) => v === null || isGroups(v)))
    throw new TypeError("its @match test returned something else than matches");
  return value as (string[] | null)[];
}
