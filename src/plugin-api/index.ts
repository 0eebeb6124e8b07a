/**
 * `errand/plugin`: the types a plugin author writes against. At run time a plugin sees exactly this
 * in its sandbox, and nothing else: no `process`, `require`, file system, sockets or real timers.
 */

export interface ChatUser {
  /** Backend-qualified id: "console:alice", "slack:U123". */
  readonly id: string;
  readonly name: string;
}

export interface HttpOptions {
  headers?: Record<string, string>;
  /** Basic authentication. */
  auth?: { user: string; password: string };
  /** At most the host's limit (15 s). */
  timeoutMs?: number;
  /** false: a 3xx answer comes back as it is, with its Location header (default: follow, to allowed hosts). */
  followRedirects?: boolean;
}

export interface HttpRequest extends HttpOptions {
  method: string;
  url: string;
  body?: HttpBody;
}

/** A string, `{ json: value }`, or `{ form: { key: value } }` (sent as application/x-www-form-urlencoded). */
export type HttpBody = string | { json: unknown } | { form: Record<string, unknown> };

export interface HttpResponse {
  status: number;
  ok: boolean;
  /** Lower-case header names. */
  headers: Record<string, string>;
  body: string;
  /** The body parsed, when the response says it is JSON. */
  json?: unknown;
  /** The URL that answered, after redirects. */
  url: string;
}

/** HTTP to the hosts in the manifest's `permissions.net` only; redirects elsewhere are refused. */
export interface Http {
  get(url: string, options?: HttpOptions): Promise<HttpResponse>;
  post(url: string, body?: HttpBody, options?: HttpOptions): Promise<HttpResponse>;
  request(request: HttpRequest): Promise<HttpResponse>;
}

/** The plugin's own persistent key-value space: JSON values, explicit get and set, under a quota. */
export interface Store {
  /** The value, or null when there is none. */
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown): Promise<void>;
  delete(key: string): Promise<void>;
  /** Keys that start with `prefix`, sorted, at most 1000. */
  list(prefix?: string): Promise<string[]>;
}

/**
 * Persistent timers (the manifest must ask for `"schedule": true`). `fn` is one of the plugin's exported
 * functions (or its name); it is called as `fn(ctx, data)` in the conversation that set the timer, also
 * after a restart. A timer that came due while the bot was down runs once at start.
 */
export interface Schedule {
  /** Calls `fn` once, `ms` from now. Resolves with the timer's id. */
  after(ms: number, fn: string | ((ctx: Context, data: never) => unknown), data?: unknown): Promise<string>;
  /** Calls `fn` every `ms` (at least 1000) or on a cron expression ("*\/5 * * * *", seconds optional). */
  every(
    msOrCron: number | string,
    fn: string | ((ctx: Context, data: never) => unknown),
    data?: unknown,
  ): Promise<string>;
  /** Resolves true when a timer of this plugin was cancelled. */
  cancel(id: string): Promise<boolean>;
}

/** What a `@webhook` function gets after the context: `POST /hooks/PLUGIN/NAME`. */
export interface WebhookRequest {
  method: string;
  /** Parsed JSON, or form fields, or the text. */
  body: unknown;
  /** Lower-case names. */
  headers: Readonly<Record<string, string>>;
  query: Readonly<Record<string, string>>;
}

export interface Log {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface Context {
  /** Every token after the command words, quotes removed. */
  readonly args: readonly string[];
  /** `key=value` tokens (also in args). */
  readonly options: Readonly<Record<string, string>>;
  /** The raw text after the command words. */
  readonly text: string;
  /** For a `@match` function: the whole match, then the regex groups. Empty for commands. */
  readonly match: readonly string[];
  readonly user: ChatUser;
  /** "#ops", or null in a direct conversation. */
  readonly room: string | null;
  readonly thread: string | null;
  readonly isDirect: boolean;
  /** The plugin's config, validated against its schema (read-only). */
  readonly config: Readonly<Record<string, unknown>>;
  /** Answers in the room and thread the command came from. */
  reply(text: string): Promise<void>;
  /** Posts to "#room" or "@user". */
  send(target: string, text: string): Promise<void>;
  readonly store: Store;
  readonly http: Http;
  readonly schedule: Schedule;
  readonly log: Log;
}

/** What a command may return: the reply (lines are joined), or nothing. */
export type CommandResult = string | readonly string[] | null | undefined;
