/**
 * A fake Jenkins controller for tests, written from the documented REST API (see JENKINS.md), not from any
 * client's needs. It speaks plain HTTP on 127.0.0.1 and keeps a manual clock: nothing happens until the test
 * calls `advance(ms)`, so the queue and build lifecycle is deterministic.
 */
import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeJenkinsUser {
  name: string;
  token: string;
  /**
   * Jenkins permission ids granted, e.g. "hudson.model.Item.Build"; default: all. Overall/Read is always
   * implied (a user without it cannot use the API at all), Item.Read implies Item.Discover, and
   * "hudson.model.Hudson.Administer" grants everything.
   */
  permissions?: string[];
}

export interface FakeJenkinsOptions {
  /** default [{ name: "chatops", token: "t0ken" }] with all permissions */
  users?: FakeJenkinsUser[];
  /**
   * "off": /crumbIssuer 404, no crumb needed. "token-exempt" (default, modern Jenkins): crumb issued, but POSTs
   * authenticated with an API token need none. "required": every POST needs a valid Jenkins-Crumb header bound
   * to the JSESSIONID cookie from the crumb request, else 403 "No valid crumb was included in the request".
   */
  crumb?: "off" | "token-exempt" | "required";
  /** default 5000; `delay=0sec` skips it */
  quietPeriodMs?: number;
  /** default 2 on the built-in node */
  executors?: number;
  /** X-Jenkins header, default "2.462.3" */
  version?: string;
  /** epoch ms of the fake clock, default Date.parse("2026-11-24T09:00:00Z") */
  startTime?: number;
  /** id of the first queue item, default 1 (a real controller's counter is anywhere) */
  firstQueueId?: number;
}

export type FakeBuildResult = "SUCCESS" | "UNSTABLE" | "FAILURE" | "ABORTED" | "NOT_BUILT";

export interface FakeJobSpec {
  /** "deploy" or "folder/sub/job" (folders are created as needed, with the Folder _class) */
  path: string;
  /** default freestyle */
  kind?: "freestyle" | "pipeline";
  parameters?: { name: string; default?: string; choices?: string[]; description?: string }[];
  disabled?: boolean;
  /** how long each build of this job takes in fake time, default 60_000 */
  durationMs?: number;
  /** results of the next builds, in order; when empty, SUCCESS */
  results?: FakeBuildResult[];
  /** console lines each build prints, spread over its duration; default a few generic lines */
  log?: string[];
  /** remote trigger token (?token=) for GET /build */
  authToken?: string;
  /** "Do not allow concurrent builds" unticked; default false for freestyle, true for pipeline (as in Jenkins) */
  concurrentBuild?: boolean;
  /** for a pipeline: which request actually ends a running build ("stop" by default; "term"/"kill" = stuck steps) */
  abortNeeds?: "stop" | "term" | "kill";
}

export interface FakeBuildRecord {
  number: number;
  result: string | null;
  building: boolean;
  parameters: Record<string, string>;
  cause: string;
}

// ---------------------------------------------------------------------------------------------------------
// Constants from Jenkins core

const LEFT_ITEM_TTL_MS = 5 * 60_000; // Queue.leftItems: expireAfterWrite(300 s)
const JSON_TYPE = "application/json;charset=utf-8";
const TEXT_TYPE = "text/plain;charset=utf-8";
const HTML_TYPE = "text/html;charset=utf-8";

const CLASS = {
  root: "hudson.model.Hudson",
  allView: "hudson.model.AllView",
  folder: "com.cloudbees.hudson.plugins.folder.Folder",
  freestyle: "hudson.model.FreeStyleProject",
  pipeline: "org.jenkinsci.plugins.workflow.job.WorkflowJob",
  freestyleBuild: "hudson.model.FreeStyleBuild",
  pipelineRun: "org.jenkinsci.plugins.workflow.job.WorkflowRun",
  placeholderTask: "org.jenkinsci.plugins.workflow.support.steps.ExecutorStepExecution$PlaceholderTask",
  placeholderExecutable:
    "org.jenkinsci.plugins.workflow.support.steps.ExecutorStepExecution$PlaceholderTask$PlaceholderExecutable",
  queue: "hudson.model.Queue",
  computerSet: "hudson.model.ComputerSet",
  builtInComputer: "hudson.model.Hudson$MasterComputer",
  crumbIssuer: "hudson.security.csrf.DefaultCrumbIssuer",
  whoAmI: "hudson.security.WhoAmI",
  user: "hudson.model.User",
  causeAction: "hudson.model.CauseAction",
  parametersAction: "hudson.model.ParametersAction",
  parametersProperty: "hudson.model.ParametersDefinitionProperty",
  stringValue: "hudson.model.StringParameterValue",
} as const;

const PERM = {
  overallRead: "hudson.model.Hudson.Read",
  administer: "hudson.model.Hudson.Administer",
  read: "hudson.model.Item.Read",
  discover: "hudson.model.Item.Discover",
  build: "hudson.model.Item.Build",
  cancel: "hudson.model.Item.Cancel",
  update: "hudson.model.Run.Update",
} as const;

/** How AccessDeniedException3 names a permission in its message. */
const PERM_TITLE: Record<string, string> = {
  [PERM.read]: "Job/Read",
  [PERM.build]: "Job/Build",
  [PERM.cancel]: "Job/Cancel",
  [PERM.update]: "Run/Update",
};

/** BallColor of a finished build. */
const COLOR: Record<FakeBuildResult, string> = {
  SUCCESS: "blue",
  UNSTABLE: "yellow",
  FAILURE: "red",
  ABORTED: "aborted",
  NOT_BUILT: "notbuilt",
};

const DEFAULT_LOG = ["+ ./build.sh", "Building...", "Done."];
const ABORT_LEVEL = { stop: 1, term: 2, kill: 3 } as const;

// ---------------------------------------------------------------------------------------------------------
// JSON model: objects are built in full; nested objects are `Ref`s that the renderer expands or abbreviates
// the way Stapler's exporter does (depth=0 shows nested objects with only their most visible properties).

type Val = string | number | boolean | null | Ref | Val[] | Obj;
interface Obj {
  [key: string]: Val;
}

class Ref {
  /** `brief`: the keys shown when the depth budget is spent (plus `_class`), or "all". */
  constructor(
    readonly full: () => Obj,
    readonly brief: readonly string[] | "all",
  ) {}
}

function pick(obj: Obj, keys: readonly string[]): Obj {
  const out: Obj = {};
  if ("_class" in obj) out._class = obj._class;
  for (const key of keys) if (key in obj) out[key] = obj[key];
  return out;
}

function renderDepth(value: Val, depth: number): unknown {
  if (value instanceof Ref) {
    const full = value.full();
    if (depth > 0) return renderDepth(full, depth - 1);
    return renderDepth(value.brief === "all" ? full : pick(full, value.brief), 0);
  }
  if (Array.isArray(value)) return value.map((v) => renderDepth(v, depth));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderDepth(v, depth)]));
  }
  return value;
}

interface TreeField {
  name: string;
  children: TreeField[] | null;
  range: [number, number] | null;
}

/** Parses `jobs[name,lastBuild[number]]{0,5},color` into fields. */
function parseTree(tree: string): TreeField[] {
  let i = 0;
  const list = (): TreeField[] => {
    const fields: TreeField[] = [];
    for (;;) {
      const start = i;
      while (i < tree.length && !",[]{}".includes(tree[i])) i++;
      const name = tree.slice(start, i).trim();
      let children: TreeField[] | null = null;
      if (tree[i] === "[") {
        i++;
        children = list();
        if (tree[i++] !== "]") throw new Error("unbalanced [");
      }
      let range: [number, number] | null = null;
      if (tree[i] === "{") {
        const end = tree.indexOf("}", i);
        if (end < 0) throw new Error("unbalanced {");
        range = parseRange(tree.slice(i + 1, end));
        i = end + 1;
      }
      if (name) fields.push({ name, children, range });
      if (tree[i] !== ",") return fields;
      i++;
    }
  };
  const fields = list();
  if (i < tree.length) throw new Error(`unexpected ${tree[i]}`);
  return fields;
}

/** `{M,N}`, `{M,}`, `{,N}`, `{N}` as [start, end). */
function parseRange(text: string): [number, number] {
  const num = (s: string, fallback: number) => {
    if (s.trim() === "") return fallback;
    const n = Number(s);
    if (!Number.isInteger(n) || n < 0) throw new Error(`bad range ${text}`);
    return n;
  };
  if (!text.includes(",")) {
    const n = num(text, Number.NaN);
    return [n, n + 1];
  }
  const [from, to] = text.split(",");
  return [num(from, 0), num(to, Number.POSITIVE_INFINITY)];
}

/** With `tree=`, an object keeps its `_class` and the listed fields; a field without `[...]` is a leaf. */
function renderTree(value: Val, fields: TreeField[] | null): unknown {
  if (value instanceof Ref) return renderTree(value.full(), fields);
  if (Array.isArray(value)) return value.map((v) => renderTree(v, fields));
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  if ("_class" in value) out._class = value._class;
  for (const field of fields ?? []) {
    if (!(field.name in value)) continue;
    const v = value[field.name];
    out[field.name] = renderTree(
      Array.isArray(v) && field.range ? v.slice(...field.range) : v,
      field.children,
    );
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// State

type ItemState = "waiting" | "blocked" | "buildable" | "left";
type Params = [name: string, value: string][];
type Cause = { [key: string]: string | null } & { shortDescription: string };

interface Folder {
  type: "folder";
  name: string;
  fullName: string;
  parent: Folder | null;
  children: Map<string, Item>;
}

interface ParamDef {
  name: string;
  default: string;
  choices?: string[];
  description: string;
}

interface Job {
  type: "job";
  name: string;
  fullName: string;
  parent: Folder | null;
  kind: "freestyle" | "pipeline";
  params: ParamDef[] | null;
  disabled: boolean;
  concurrent: boolean;
  durationMs: number;
  results: FakeBuildResult[];
  log: string[];
  authToken: string | undefined;
  abortNeeds: number;
  nextBuildNumber: number;
  builds: Build[];
}

type Item = Folder | Job;

interface Build {
  job: Job;
  number: number;
  queueId: number;
  params: Params | null;
  causes: Cause[];
  timestamp: number;
  /** when it got an executor on the node (a Pipeline run starts before, on a flyweight executor) */
  nodeAt: number | null;
  slot: number | null;
  result: FakeBuildResult | null;
  planned: FakeBuildResult;
  duration: number;
  log: string;
  pending: { at: number; text: string }[];
  description: string | null;
  /** a Pipeline run's node-block queue item while it waits for an executor */
  placeholder: QueueItem | null;
  abortLevel: number;
}

interface QueueItem {
  id: number;
  job: Job;
  /** set for a Pipeline node-block placeholder: the run that waits for an executor */
  run: Build | null;
  params: Params | null;
  causes: Cause[];
  inQueueSince: number;
  dueAt: number;
  readySince: number;
  state: ItemState;
  leftAt: number;
  cancelled: boolean;
  executable: Build | null;
}

// ---------------------------------------------------------------------------------------------------------
// HTTP plumbing

interface Req {
  method: string;
  segments: string[];
  query: URLSearchParams;
  /** query string plus a urlencoded form body, like Stapler's `getParameter` */
  params: URLSearchParams;
  headers: IncomingMessage["headers"];
  user: FakeJenkinsUser;
  remoteAddr: string;
}

interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  type?: string;
}

/** Thrown to answer early (404, 403...) from deep inside a handler. */
class HttpError extends Error {
  constructor(readonly reply: Reply) {
    super(`HTTP ${reply.status}`);
  }
}

interface Route<T> {
  path: RegExp;
  postOnly?: boolean;
  /** the route exists only for such targets (e.g. /term only on Pipeline runs); otherwise 404 */
  when?: (target: T) => boolean;
  handle: (req: Req, target: T, match: RegExpExecArray) => Reply;
}

const HTML_ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };
const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => HTML_ENTITIES[c] ?? c);

const html = (status: number, body: string): Reply => ({ status, type: HTML_TYPE, body });

/** Jetty-style error page; the message is what clients look for. */
const errorPage = (status: number, message: string): Reply =>
  html(
    status,
    `<html><head><title>Error ${status} ${escapeHtml(message)}</title></head>` +
      `<body><h2>HTTP ERROR ${status} ${escapeHtml(message)}</h2></body></html>`,
  );

const fail = (status: number, message: string) => new HttpError(errorPage(status, message));
const notFound = () => errorPage(404, "Not Found");
const redirect = (status: number, location: string): Reply => ({ status, headers: { Location: location } });

/** Util.getTimeSpanString, as used in "Expires in 4.9 sec" and "(ETA:55 sec)". */
function timeSpan(ms: number): string {
  const days = Math.floor(ms / 86_400_000);
  const hours = Math.floor(ms / 3_600_000) % 24;
  const minutes = Math.floor(ms / 60_000) % 60;
  const seconds = Math.floor(ms / 1000) % 60;
  const millis = ms % 1000;
  const two = (big: number, bigText: string, smallText: string) =>
    big < 10 ? `${bigText} ${smallText}` : bigText;
  if (days > 0) return two(days, `${days} ${days === 1 ? "day" : "days"}`, `${hours} hr`);
  if (hours > 0) return two(hours, `${hours} hr`, `${minutes} min`);
  if (minutes > 0) return two(minutes, `${minutes} min`, `${seconds} sec`);
  if (seconds >= 10) return `${seconds} sec`;
  if (seconds >= 1) return `${Number((seconds + Math.floor(millis / 100) / 10).toFixed(1))} sec`;
  if (millis >= 100) return `${Number((Math.floor(millis / 10) / 100).toFixed(2))} sec`;
  return `${millis} ms`;
}

/** TimeDuration.fromString: "5sec"/"5secs" are seconds, a bare number is milliseconds; Jenkins keeps whole seconds. */
function parseDelay(text: string | null, fallbackMs: number): number {
  if (text === null) return fallbackMs;
  const m = /^\s*(-?\d+)\s*(secs?)?\s*$/.exec(text);
  if (!m) throw fail(400, `Invalid time duration value: ${text}`);
  const ms = Number(m[1]) * (m[2] ? 1000 : 1);
  return Math.max(0, Math.floor(ms / 1000) * 1000);
}

const sameParams = (a: Params | null, b: Params | null) =>
  a === b ||
  (a !== null &&
    b !== null &&
    a.length === b.length &&
    a.every(([n, v], i) => b[i][0] === n && b[i][1] === v));

const isBuilding = (b: Build) => b.result === null;
const isJob = (item: Item) => item.type === "job";
const isRun = (b: Build) => b.job.kind === "pipeline";

/** PermalinkProjectAction.Permalink.BUILTIN, searched from the newest build. */
const PERMALINKS = new Map<string, (b: Build) => boolean>([
  ["lastBuild", () => true],
  ["lastCompletedBuild", (b) => !isBuilding(b)],
  ["lastStableBuild", (b) => b.result === "SUCCESS"],
  ["lastSuccessfulBuild", (b) => b.result === "SUCCESS" || b.result === "UNSTABLE"],
  ["lastFailedBuild", (b) => b.result === "FAILURE"],
  ["lastUnstableBuild", (b) => b.result === "UNSTABLE"],
  ["lastUnsuccessfulBuild", (b) => !isBuilding(b) && b.result !== "SUCCESS"],
]);

/** Array.prototype.findLast is ES2023; the project compiles against ES2022. */
function findLast<T>(items: readonly T[], predicate: (item: T) => boolean): T | undefined {
  for (let i = items.length - 1; i >= 0; i--) if (predicate(items[i])) return items[i];
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------

export class FakeJenkins {
  readonly url: string;
  /** Every request received: method, path (with query), headers (lower-case). */
  readonly requests: { method: string; path: string; headers: Record<string, string> }[] = [];

  private clock: number;
  private readonly root: Folder = {
    type: "folder",
    name: "",
    fullName: "",
    parent: null,
    children: new Map(),
  };
  private readonly queue = new Map<number, QueueItem>();
  private nextQueueId: number;
  private readonly slots: (Build | null)[];
  private offline = false;
  private offlineReason = "";
  private readonly users: FakeJenkinsUser[];
  private readonly crumbMode: "off" | "token-exempt" | "required";
  private readonly quietPeriodMs: number;
  private readonly version: string;
  private readonly instanceSession = randomBytes(4).toString("hex");
  private readonly crumbSalt = randomBytes(16).toString("hex");
  /** Jetty names the cookie JSESSIONID.<hash of the instance>, so clients must not hard-code the name. */
  private readonly cookieName = `JSESSIONID.${randomBytes(4).toString("hex")}`;
  private readonly sessions = new Set<string>();

  private constructor(
    private readonly server: Server,
    url: string,
    options: FakeJenkinsOptions,
  ) {
    this.url = url;
    this.users = options.users ?? [{ name: "chatops", token: "t0ken" }];
    this.crumbMode = options.crumb ?? "token-exempt";
    this.quietPeriodMs = options.quietPeriodMs ?? 5000;
    this.version = options.version ?? "2.462.3";
    this.clock = options.startTime ?? Date.parse("2026-11-24T09:00:00Z");
    this.nextQueueId = options.firstQueueId ?? 1;
    this.slots = new Array<Build | null>(options.executors ?? 2).fill(null);
    server.on("request", (req, res) => void this.onRequest(req, res));
  }

  static async start(options: FakeJenkinsOptions = {}): Promise<FakeJenkins> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    return new FakeJenkins(server, `http://127.0.0.1:${port}`, options);
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.close((err) => (err ? reject(err) : resolve()));
      this.server.closeAllConnections(); // fetch keeps connections alive
    });
  }

  addJob(spec: FakeJobSpec): void {
    const names = spec.path.split("/");
    const name = names.pop() ?? "";
    if (!name || names.some((n) => !n)) throw new Error(`bad job path ${spec.path}`);
    const parent = names.reduce<Folder>((folder, n) => this.folder(folder, n), this.root);
    if (parent.children.has(name)) throw new Error(`${spec.path} already exists`);
    const kind = spec.kind ?? "freestyle";
    parent.children.set(name, {
      type: "job",
      name,
      fullName: spec.path,
      parent: parent === this.root ? null : parent,
      kind,
      params: spec.parameters?.length
        ? spec.parameters.map((p) => ({
            name: p.name,
            default: p.default ?? p.choices?.[0] ?? "",
            choices: p.choices,
            description: p.description ?? "",
          }))
        : null,
      disabled: spec.disabled ?? false,
      concurrent: spec.concurrentBuild ?? kind === "pipeline",
      durationMs: spec.durationMs ?? 60_000,
      results: [...(spec.results ?? [])],
      log: spec.log ?? DEFAULT_LOG,
      authToken: spec.authToken,
      abortNeeds: ABORT_LEVEL[spec.abortNeeds ?? "stop"],
      nextBuildNumber: 1,
      builds: [],
    });
  }

  now(): number {
    return this.clock;
  }

  /**
   * Moves fake time, stopping at every event on the way (quiet period ends, log lines, build ends, left-item
   * expiry) so that freed executors are reused at the right instant. Items left ready by a trigger with
   * `delay=0sec` start on the next call, even `advance(0)`.
   */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`advance(${ms})`);
    const target = this.clock + ms;
    this.settle();
    for (let next = this.nextEventAt(); next <= target; next = this.nextEventAt()) {
      this.clock = next;
      this.settle();
    }
    this.clock = target;
  }

  /** Completed and running builds of a job, oldest first. */
  builds(path: string): FakeBuildRecord[] {
    const job = this.jobAt(path);
    return job.builds.map((b) => ({
      number: b.number,
      result: b.result,
      building: isBuilding(b),
      parameters: Object.fromEntries(b.params ?? []),
      cause: b.causes[0]?.shortDescription ?? "",
    }));
  }

  /** Items still in the queue (not left), for assertions. */
  queued(): { id: number; path: string; state: ItemState; parameters: Record<string, string> }[] {
    return [...this.queue.values()]
      .filter((i) => i.state !== "left" && !i.run)
      .map((i) => ({
        id: i.id,
        path: i.job.fullName,
        state: i.state,
        parameters: Object.fromEntries(i.params ?? []),
      }));
  }

  /** Take the built-in node offline (its executors stop counting in totalExecutors) or back online. */
  setOffline(offline: boolean, reason = ""): void {
    this.offline = offline;
    this.offlineReason = offline ? reason : "";
  }

  // -------------------------------------------------------------------------------------------------------
  // Items

  private folder(parent: Folder, name: string): Folder {
    const existing = parent.children.get(name);
    if (existing?.type === "job") throw new Error(`${existing.fullName} is a job, not a folder`);
    if (existing) return existing;
    const fullName = parent === this.root ? name : `${parent.fullName}/${name}`;
    const folder: Folder = {
      type: "folder",
      name,
      fullName,
      parent: parent === this.root ? null : parent,
      children: new Map(),
    };
    parent.children.set(name, folder);
    return folder;
  }

  private jobAt(path: string): Job {
    let item: Item = this.root;
    for (const name of path.split("/")) {
      const child: Item | undefined = item.type === "folder" ? item.children.get(name) : undefined;
      if (!child) throw new Error(`no job ${path}`);
      item = child;
    }
    if (item.type !== "job") throw new Error(`${path} is a folder`);
    return item;
  }

  private itemUrl(item: Item): string {
    const names: string[] = [];
    for (let i: Item | null = item; i; i = i.parent) names.unshift(`job/${encodeURIComponent(i.name)}/`);
    return `${this.url}/${names.join("")}`;
  }

  private buildUrl(b: Build): string {
    return `${this.itemUrl(b.job)}${b.number}/`;
  }

  private fullDisplayName(item: Item): string {
    return item.parent ? `${this.fullDisplayName(item.parent)} » ${item.name}` : item.name;
  }

  // -------------------------------------------------------------------------------------------------------
  // Queue and executors

  /** Queue.schedule2: an identical queued item (same job, same parameters) absorbs the trigger. */
  private schedule(job: Job, delayMs: number, params: Params | null, cause: Cause) {
    const due = this.clock + delayMs;
    const existing = [...this.queue.values()].find(
      (i) => i.state !== "left" && i.job === job && !i.run && sameParams(i.params, params),
    );
    if (existing) {
      existing.causes.push(cause);
      // Jenkins keeps the shorter of the two quiet periods.
      if (existing.state === "waiting" && due < existing.dueAt) {
        existing.dueAt = due;
        if (delayMs === 0) this.makeReady(existing);
      }
      return { item: existing, created: false };
    }
    const item: QueueItem = {
      id: this.nextQueueId++,
      job,
      run: null,
      params,
      causes: [cause],
      inQueueSince: this.clock,
      dueAt: due,
      readySince: 0,
      state: "waiting",
      leftAt: 0,
      cancelled: false,
      executable: null,
    };
    this.queue.set(item.id, item);
    if (delayMs === 0) this.makeReady(item);
    return { item, created: true };
  }

  private makeReady(item: QueueItem): void {
    item.readySince = this.clock;
    item.state = this.isBlocked(item) ? "blocked" : "buildable";
  }

  /** A job without concurrent builds is blocked while one of its builds runs. */
  private isBlocked(item: QueueItem): boolean {
    return !item.run && !item.job.concurrent && item.job.builds.some(isBuilding);
  }

  private leave(item: QueueItem, executable: Build | null): void {
    item.state = "left";
    item.leftAt = this.clock;
    item.cancelled = executable === null;
    item.executable = executable;
  }

  private cancel(item: QueueItem): void {
    this.leave(item, null);
    if (item.run && isBuilding(item.run)) {
      item.run.placeholder = null;
      this.write(item.run, ["Queue task was cancelled"]);
      this.finish(item.run, "ABORTED");
    }
  }

  private freeSlot(): number {
    return this.offline ? -1 : this.slots.indexOf(null);
  }

  /** Runs everything due at the current instant until nothing more changes. */
  private settle(): void {
    for (let changed = true; changed; ) {
      changed = this.progressBuilds();
      changed = this.expireLeftItems() || changed;
      changed = this.releaseWaitingItems() || changed;
      changed = this.startReadyItems() || changed;
    }
  }

  private nextEventAt(): number {
    const times: number[] = [];
    for (const item of this.queue.values()) {
      if (item.state === "waiting") times.push(item.dueAt);
      if (item.state === "left") times.push(item.leftAt + LEFT_ITEM_TTL_MS);
    }
    for (const b of this.slots) {
      if (b?.nodeAt != null)
        times.push(b.nodeAt + b.job.durationMs, ...b.pending.slice(0, 1).map((l) => l.at));
    }
    return Math.min(...times.filter((t) => t > this.clock));
  }

  private progressBuilds(): boolean {
    let changed = false;
    for (const b of this.slots) {
      if (b?.nodeAt == null) continue;
      while (b.pending.length && b.pending[0].at <= this.clock)
        this.write(b, [b.pending.shift()?.text ?? ""]);
      if (b.nodeAt + b.job.durationMs <= this.clock) {
        this.finish(b, b.planned);
        changed = true;
      }
    }
    return changed;
  }

  private expireLeftItems(): boolean {
    let changed = false;
    for (const item of this.queue.values()) {
      if (item.state === "left" && item.leftAt + LEFT_ITEM_TTL_MS <= this.clock) {
        this.queue.delete(item.id);
        changed = true;
      }
    }
    return changed;
  }

  private releaseWaitingItems(): boolean {
    const due = [...this.queue.values()]
      .filter((i) => i.state === "waiting" && i.dueAt <= this.clock)
      .sort((a, b) => a.dueAt - b.dueAt || a.id - b.id);
    for (const item of due) this.makeReady(item);
    return due.length > 0;
  }

  /** Queue.maintain: blocked items whose block lifted become buildable; buildable ones start, oldest first. */
  private startReadyItems(): boolean {
    let changed = false;
    const ready = [...this.queue.values()]
      .filter((i) => i.state === "blocked" || i.state === "buildable")
      .sort((a, b) => a.readySince - b.readySince || a.id - b.id);
    for (const item of ready) {
      item.state = this.isBlocked(item) ? "blocked" : "buildable";
      if (item.state === "blocked") continue;
      if (item.job.kind === "pipeline" && !item.run) {
        this.startPipelineRun(item); // a WorkflowRun starts on a flyweight executor, never waits for one
        changed = true;
        continue;
      }
      const slot = this.freeSlot();
      if (slot < 0) {
        if (item.run && !item.run.log.includes("Still waiting to schedule task")) {
          this.write(item.run, ["Still waiting to schedule task", "Waiting for next available executor"]);
        }
        continue;
      }
      if (item.run) this.acquireNode(item.run, slot, item);
      else this.startFreestyleBuild(item, slot);
      changed = true;
    }
    return changed;
  }

  private newBuild(item: QueueItem): Build {
    const job = item.job;
    const build: Build = {
      job,
      number: job.nextBuildNumber++,
      queueId: item.id,
      params: item.params,
      causes: [...item.causes],
      timestamp: this.clock,
      nodeAt: null,
      slot: null,
      result: null,
      planned: job.results.shift() ?? "SUCCESS",
      duration: 0,
      log: "",
      pending: [],
      description: null,
      placeholder: null,
      abortLevel: 0,
    };
    job.builds.push(build);
    this.leave(item, build);
    return build;
  }

  private startFreestyleBuild(item: QueueItem, slot: number): void {
    const b = this.newBuild(item);
    this.write(b, [
      ...b.causes.map((c) => c.shortDescription),
      "Running as SYSTEM",
      `Building in workspace /var/jenkins_home/workspace/${b.job.fullName}`,
    ]);
    this.occupy(b, slot);
  }

  private startPipelineRun(item: QueueItem): void {
    const b = this.newBuild(item);
    this.write(b, [
      ...b.causes.map((c) => c.shortDescription),
      "[Pipeline] Start of Pipeline",
      "[Pipeline] node",
    ]);
    // The node {} block waits in the queue as its own item, like ExecutorStepExecution.PlaceholderTask.
    const placeholder: QueueItem = {
      id: this.nextQueueId++,
      job: b.job,
      run: b,
      params: null,
      causes: [],
      inQueueSince: this.clock,
      dueAt: this.clock,
      readySince: this.clock,
      state: "buildable",
      leftAt: 0,
      cancelled: false,
      executable: null,
    };
    this.queue.set(placeholder.id, placeholder);
    b.placeholder = placeholder;
  }

  private acquireNode(b: Build, slot: number, placeholder: QueueItem): void {
    this.leave(placeholder, b);
    b.placeholder = null;
    this.write(b, [`Running on Jenkins in /var/jenkins_home/workspace/${b.job.fullName}`, "[Pipeline] {"]);
    this.occupy(b, slot);
  }

  /** Takes an executor and plans the job's log lines evenly over its duration. */
  private occupy(b: Build, slot: number): void {
    this.slots[slot] = b;
    b.slot = slot;
    b.nodeAt = this.clock;
    const lines = b.job.log;
    b.pending = lines.map((text, i) => ({
      at: this.clock + Math.floor(((i + 1) * b.job.durationMs) / (lines.length + 1)),
      text,
    }));
  }

  private write(b: Build, lines: string[]): void {
    for (const line of lines) b.log += `${line}\n`;
  }

  private finish(b: Build, result: FakeBuildResult): void {
    b.pending = [];
    if (b.job.kind === "pipeline") {
      this.write(b, [
        ...(b.nodeAt !== null ? ["[Pipeline] }", "[Pipeline] // node"] : []),
        "[Pipeline] End of Pipeline",
      ]);
    }
    this.write(b, [`Finished: ${result}`]);
    b.result = result;
    b.duration = this.clock - b.timestamp;
    if (b.slot !== null) this.slots[b.slot] = null;
  }

  /** stop (1), term (2), kill (3): a stuck Pipeline ends only at the level its spec asks for. */
  private abort(b: Build, user: string, level: number): void {
    if (!isBuilding(b)) return;
    if (b.abortLevel === 0) {
      this.write(
        b,
        b.job.kind === "freestyle" ? ["Build was aborted", `Aborted by ${user}`] : [`Aborted by ${user}`],
      );
    }
    b.abortLevel = Math.max(b.abortLevel, level);
    if (b.abortLevel < b.job.abortNeeds) {
      this.write(b, [
        b.abortLevel === 1
          ? "Click here to forcibly terminate running steps"
          : "Click here to forcibly kill entire build",
      ]);
      return;
    }
    if (b.placeholder) this.leave(b.placeholder, null);
    b.placeholder = null;
    this.finish(b, "ABORTED");
  }

  // -------------------------------------------------------------------------------------------------------
  // HTTP entry

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = String(v);
    this.requests.push({ method: req.method ?? "GET", path: req.url ?? "/", headers });
    let reply: Reply;
    try {
      reply = this.handle(req, Buffer.concat(chunks).toString("utf8"));
    } catch (e) {
      reply = e instanceof HttpError ? e.reply : errorPage(500, e instanceof Error ? e.message : String(e));
    }
    res.statusCode = reply.status;
    res.setHeader("X-Jenkins", this.version);
    res.setHeader("X-Jenkins-Session", this.instanceSession);
    for (const [k, v] of Object.entries(reply.headers ?? {})) res.setHeader(k, v);
    if (reply.body !== undefined) res.setHeader("Content-Type", reply.type ?? TEXT_TYPE);
    res.end(reply.body);
  }

  private handle(raw: IncomingMessage, body: string): Reply {
    const user = this.authenticate(raw.headers.authorization);
    if (!user) {
      const reply = errorPage(
        401,
        raw.headers.authorization ? "Invalid password/token" : "Authentication required",
      );
      return { ...reply, headers: { "WWW-Authenticate": 'Basic realm="Jenkins"' } };
    }
    const url = new URL(raw.url ?? "/", this.url);
    let segments: string[];
    try {
      segments = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    } catch {
      return errorPage(400, "Malformed URL");
    }
    const params = new URLSearchParams(url.search);
    if (raw.headers["content-type"]?.startsWith("application/x-www-form-urlencoded")) {
      for (const [k, v] of new URLSearchParams(body)) params.append(k, v);
    }
    const req: Req = {
      method: raw.method ?? "GET",
      segments,
      query: url.searchParams,
      params,
      headers: raw.headers,
      user,
      remoteAddr: raw.socket.remoteAddress ?? "127.0.0.1",
    };
    if (req.method === "POST") this.checkCrumb(req); // CrumbFilter runs before any dispatch
    return this.dispatch(this.rootRoutes, `/${segments.join("/")}`, req, null) ?? notFound();
  }

  private dispatch<T>(routes: Route<T>[], rest: string, req: Req, target: T): Reply | null {
    for (const route of routes) {
      const match = route.path.exec(rest);
      if (!match || (route.when && !route.when(target))) continue;
      // @RequirePOST
      if (route.postOnly && req.method !== "POST") {
        return { ...errorPage(405, "POST required"), headers: { Allow: "POST" } };
      }
      return route.handle(req, target, match);
    }
    return null;
  }

  private readonly rootRoutes: Route<null>[] = [
    { path: /^\/$/, handle: () => html(200, "<html><body>Dashboard [Jenkins]</body></html>") },
    { path: /^\/api\/json$/, handle: (req) => this.api(req, () => this.rootJson(req.user)) },
    { path: /^\/view\/all\/api\/json$/, handle: (req) => this.api(req, () => this.viewJson(req.user)) },
    { path: /^\/queue\/api\/json$/, handle: (req) => this.api(req, () => this.queueJson(req.user)) },
    {
      path: /^\/queue\/item\/(\d+)\/api\/json$/,
      handle: (req, _, m) => {
        const item = this.queue.get(Number(m[1]));
        if (!item || !this.can(req.user, PERM.read)) return notFound();
        return this.api(req, () => this.queueItemJson(item));
      },
    },
    { path: /^\/queue\/cancelItem$/, postOnly: true, handle: (req) => this.cancelItem(req) },
    { path: /^\/computer\/api\/json$/, handle: (req) => this.api(req, () => this.computerSetJson()) },
    { path: /^\/crumbIssuer\/api\/json$/, handle: (req) => this.crumbIssuer(req) },
    { path: /^\/whoAmI\/api\/json$/, handle: (req) => this.api(req, () => this.whoAmIJson(req.user)) },
    { path: /^\/me\/api\/json$/, handle: (req) => this.api(req, () => this.userJson(req.user)) },
    { path: /^\/job\//, handle: (req) => this.serveItem(req) },
  ];

  private readonly itemRoutes: Route<Item>[] = [
    { path: /^$/, handle: (_, item) => html(200, `<html><body>${escapeHtml(item.fullName)}</body></html>`) },
    { path: /^\/api\/json$/, handle: (req, item) => this.api(req, () => this.itemJson(item)) },
    { path: /^\/build$/, when: isJob, handle: (req, job) => this.triggerBuild(req, job as Job) },
    {
      path: /^\/buildWithParameters$/,
      when: isJob,
      handle: (req, job) => this.triggerWithParameters(req, job as Job),
    },
    {
      path: /^\/cancelQueue$/,
      when: isJob,
      postOnly: true,
      handle: (req, job) => this.cancelQueue(req, job as Job),
    },
  ];

  private readonly runRoutes: Route<Build>[] = [
    {
      path: /^$/,
      handle: (_, b) => html(200, `<html><body>${escapeHtml(b.job.fullName)} #${b.number}</body></html>`),
    },
    { path: /^\/api\/json$/, handle: (req, b) => this.api(req, () => this.buildJson(b)) },
    { path: /^\/stop$/, postOnly: true, handle: (req, b) => this.stop(req, b) },
    {
      path: /^\/(term|kill)$/,
      when: isRun,
      postOnly: true,
      handle: (req, b, m) => this.termOrKill(req, b, m[1]),
    },
    { path: /^\/consoleText$/, handle: (_, b) => ({ status: 200, type: TEXT_TYPE, body: b.log }) },
    { path: /^\/logText\/progressiveText$/, handle: (req, b) => this.progressiveText(req, b) },
    { path: /^\/submitDescription$/, postOnly: true, handle: (req, b) => this.submitDescription(req, b) },
  ];

  /** Walks /job/a/job/b/..., then the item's own routes, then its builds (/17/..., /lastBuild/...). */
  private serveItem(req: Req): Reply {
    let item: Item = this.root;
    let i = 0;
    while (req.segments[i] === "job" && item.type === "folder") {
      const child = item.children.get(req.segments[i + 1] ?? "");
      if (!child) return notFound();
      item = child;
      i += 2;
    }
    this.requireItemRead(req);
    const rest = req.segments.slice(i);
    const reply = this.dispatch(this.itemRoutes, rest.length ? `/${rest.join("/")}` : "", req, item);
    if (reply) return reply;
    const build = item.type === "job" && rest.length ? this.findBuild(item, rest[0]) : undefined;
    if (!build) return notFound();
    const runRest = rest.slice(1);
    return (
      this.dispatch(this.runRoutes, runRest.length ? `/${runRest.join("/")}` : "", req, build) ?? notFound()
    );
  }

  private findBuild(job: Job, id: string): Build | undefined {
    if (/^\d+$/.test(id)) return job.builds.find((b) => b.number === Number(id));
    const permalink = PERMALINKS.get(id);
    return permalink ? findLast(job.builds, permalink) : undefined;
  }

  // -------------------------------------------------------------------------------------------------------
  // Security

  private authenticate(header: string | undefined): FakeJenkinsUser | undefined {
    if (!header?.startsWith("Basic ")) return undefined;
    const decoded = Buffer.from(header.slice(6), "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    const [name, token] = [decoded.slice(0, colon), decoded.slice(colon + 1)];
    return colon < 0 ? undefined : this.users.find((u) => u.name === name && u.token === token);
  }

  private can(user: FakeJenkinsUser, permission: string): boolean {
    const granted = user.permissions;
    if (!granted || granted.includes(PERM.administer) || permission === PERM.overallRead) return true;
    if (permission === PERM.discover && granted.includes(PERM.read)) return true;
    return granted.includes(permission);
  }

  /** AccessDeniedException3: 403 with the headers that tell a client what is missing. */
  private require(req: Req, permission: string): void {
    if (this.can(req.user, permission)) return;
    const name = req.user.name;
    throw new HttpError({
      ...errorPage(403, `${name} is missing the ${PERM_TITLE[permission] ?? permission} permission`),
      headers: { "X-You-Are-Authenticated-As": name, "X-Required-Permission": permission },
    });
  }

  /** Without Item.Read a job is invisible (404), unless Item.Discover lets the user know it exists (403). */
  private requireItemRead(req: Req): void {
    if (!this.can(req.user, PERM.discover)) throw new HttpError(notFound());
    this.require(req, PERM.read);
  }

  private sessionOf(req: Req): string | undefined {
    for (const part of (req.headers.cookie ?? "").split(";")) {
      const [name, value] = part.trim().split("=");
      if (name === this.cookieName && value && this.sessions.has(value)) return value;
    }
    return undefined;
  }

  private crumbFor(user: FakeJenkinsUser, session: string): string {
    return createHash("sha256").update(`${user.name}${session}${this.crumbSalt}`).digest("hex");
  }

  /** Only "required" mode asks token-authenticated POSTs for a crumb (Jenkins exempts API tokens since 2.96). */
  private checkCrumb(req: Req): void {
    if (this.crumbMode !== "required") return;
    const session = this.sessionOf(req);
    const sent = req.headers["jenkins-crumb"] ?? req.params.get("Jenkins-Crumb");
    if (session && sent === this.crumbFor(req.user, session)) return;
    throw fail(403, "No valid crumb was included in the request");
  }

  private crumbIssuer(req: Req): Reply {
    if (this.crumbMode === "off") return notFound();
    let session = this.sessionOf(req);
    const headers: Record<string, string> = {};
    if (!session) {
      session = `node0${randomBytes(12).toString("hex")}.node0`;
      this.sessions.add(session);
      headers["Set-Cookie"] = `${this.cookieName}=${session}; Path=/; HttpOnly`;
    }
    const crumb = this.crumbFor(req.user, session);
    const reply = this.api(req, () => ({
      _class: CLASS.crumbIssuer,
      crumb,
      crumbRequestField: "Jenkins-Crumb",
    }));
    return { ...reply, headers };
  }

  // -------------------------------------------------------------------------------------------------------
  // Triggers

  /** BuildAuthorizationToken.checkPermission: a right ?token= skips the Build permission and allows GET. */
  private checkTrigger(req: Req, job: Job): void {
    const provided = req.params.get("token");
    if (job.authToken) {
      if (provided === job.authToken) return;
      if (provided !== null) throw fail(403, "Invalid token provided.");
    }
    this.require(req, PERM.build);
    if (req.method === "POST") return;
    throw new HttpError({ ...errorPage(405, "POST required"), headers: { Allow: "POST" } });
  }

  /** ParameterizedJobMixIn.getBuildCause: a RemoteCause when the job has a token and one was given. */
  private buildCause(req: Req, job: Job): Cause {
    if (job.authToken && req.params.get("token") !== null) {
      const note = req.params.get("cause");
      const addr = req.remoteAddr.replace(/^::ffff:/, "");
      return {
        _class: "hudson.model.Cause$RemoteCause",
        shortDescription: note
          ? `Started by remote host ${addr} with note: ${note}`
          : `Started by remote host ${addr}`,
        addr,
        note,
      };
    }
    const name = req.user.name;
    return {
      _class: "hudson.model.Cause$UserIdCause",
      shortDescription: `Started by user ${name}`,
      userId: name,
      userName: name,
    };
  }

  private queueLocation(item: QueueItem): string {
    return `${this.url}/queue/item/${item.id}/`;
  }

  /** POST /job/<j>/build (ParameterizedJobMixIn.doBuild, checks in its order). */
  private triggerBuild(req: Req, job: Job): Reply {
    const delay = parseDelay(req.params.get("delay"), this.quietPeriodMs);
    if (job.disabled) throw fail(409, `${job.fullName} is not buildable`);
    if (job.params && req.method !== "POST") return this.parametersForm(job);
    this.checkTrigger(req, job);
    if (!job.params) {
      const { item } = this.schedule(job, delay, null, this.buildCause(req, job));
      return redirect(201, this.queueLocation(item));
    }
    // ParametersDefinitionProperty._doBuild reads the submitted form: a `json` field.
    const json = req.params.get("json");
    if (!json) {
      throw fail(
        400,
        [...req.params.keys()].length ? "This page expects a form submission" : "Nothing is submitted",
      );
    }
    const form = JSON.parse(json) as { parameter?: unknown; statusCode?: unknown };
    const submitted = new Map<string, string>();
    for (const p of [form.parameter ?? []].flat() as { name?: unknown; value?: unknown }[]) {
      const name = String(p.name);
      if (!job.params.some((d) => d.name === name)) throw fail(500, `No such parameter definition: ${name}`);
      submitted.set(name, String(p.value ?? ""));
    }
    const params = this.parameterValues(job.params, (name) => submitted.get(name) ?? null);
    const { item } = this.schedule(job, delay, params, this.buildCause(req, job));
    // Always 201, even for an existing item (JENKINS-66105); the form may ask for another status.
    const status = Number(form.statusCode ?? 201) || 201;
    return redirect(status, this.queueLocation(item));
  }

  /** POST /job/<j>/buildWithParameters: query string or form body; missing parameters take defaults. */
  private triggerWithParameters(req: Req, job: Job): Reply {
    this.checkTrigger(req, job);
    if (job.disabled) throw fail(409, `${job.fullName} is not buildable!`);
    if (!job.params) throw fail(400, `${job.fullName} is not parameterized`);
    const delay = parseDelay(req.params.get("delay"), this.quietPeriodMs);
    const params = this.parameterValues(job.params, (name) => req.params.get(name));
    const { item, created } = this.schedule(job, delay, params, this.buildCause(req, job));
    return redirect(created ? 201 : 303, this.queueLocation(item));
  }

  private parameterValues(defs: ParamDef[], given: (name: string) => string | null): Params {
    return defs.map((d) => {
      const value = given(d.name) ?? d.default;
      // ChoiceParameterDefinition.checkValue throws IllegalArgumentException, which Jenkins answers with 500.
      if (d.choices && !d.choices.includes(value)) {
        throw fail(500, `Illegal choice for parameter ${d.name}: ${value}`);
      }
      return [d.name, value];
    });
  }

  /** A GET on a parameterized job's /build shows the parameter form instead of building. */
  private parametersForm(job: Job): Reply {
    const inputs = (job.params ?? []).map(
      (p) => `<input name="${escapeHtml(p.name)}" value="${escapeHtml(p.default)}">`,
    );
    return html(
      200,
      `<html><body><form method="post" action="build">${inputs.join("")}</form></body></html>`,
    );
  }

  // -------------------------------------------------------------------------------------------------------
  // Cancelling and aborting

  /** Queue.doCancelItem: left items are still found (422), expired or unknown ones are not (404). */
  private cancelItem(req: Req): Reply {
    const id = Number(req.params.get("id") ?? 0);
    const item = this.queue.get(id);
    if (!item || !this.can(req.user, PERM.read)) throw fail(404, `Provided id (${id}) not found`);
    this.require(req, PERM.cancel);
    if (item.state === "left") throw fail(422, `Item for id (${id}) is not cancellable`);
    this.cancel(item);
    return { status: 204 };
  }

  private cancelQueue(req: Req, job: Job): Reply {
    this.require(req, PERM.cancel);
    for (const item of this.queue.values())
      if (item.job === job && !item.run && item.state !== "left") this.cancel(item);
    return redirect(302, req.headers.referer ?? this.itemUrl(job));
  }

  /** Run.doStop: interrupts a running build (needs Item.Cancel); a finished one just redirects back. */
  private stop(req: Req, b: Build): Reply {
    if (isBuilding(b)) {
      this.require(req, PERM.cancel);
      this.abort(b, req.user.name, ABORT_LEVEL.stop);
    }
    return redirect(302, req.headers.referer ?? this.buildUrl(b));
  }

  /** WorkflowRun.doTerm / doKill: void web methods, so 200 with an empty body. */
  private termOrKill(req: Req, b: Build, level: string): Reply {
    this.require(req, PERM.cancel);
    this.abort(b, req.user.name, level === "term" ? ABORT_LEVEL.term : ABORT_LEVEL.kill);
    return { status: 200, type: TEXT_TYPE, body: "" };
  }

  private submitDescription(req: Req, b: Build): Reply {
    this.require(req, PERM.update);
    b.description = req.params.get("description");
    return redirect(302, this.buildUrl(b));
  }

  // -------------------------------------------------------------------------------------------------------
  // Console

  /** LargeText.doProgressText: byte offsets; a start past the end restarts at 0 (the log rolled over). */
  private progressiveText(req: Req, b: Build): Reply {
    const bytes = Buffer.from(b.log, "utf8");
    let start = Number(req.query.get("start") ?? 0) || 0;
    if (start < 0) start = Math.max(0, bytes.length + start);
    if (start > bytes.length) start = 0;
    const headers: Record<string, string> = { "X-Text-Size": String(bytes.length) };
    if (isBuilding(b)) headers["X-More-Data"] = "true";
    return { status: 200, type: TEXT_TYPE, headers, body: bytes.subarray(start).toString("utf8") };
  }

  // -------------------------------------------------------------------------------------------------------
  // JSON

  /** Api.doJson: tree= wins over depth=; jsonp is refused for untrusted requesters. */
  private api(req: Req, value: () => Obj): Reply {
    if (req.query.has("jsonp"))
      throw fail(403, "jsonp forbidden; implement jenkins.security.SecureRequester");
    const tree = req.query.get("tree");
    let out: unknown;
    if (tree !== null) {
      let fields: TreeField[];
      try {
        fields = parseTree(tree);
      } catch (e) {
        throw fail(400, `Malformed tree expression: ${(e as Error).message}`);
      }
      out = renderTree(value(), fields);
    } else {
      out = renderDepth(value(), Number(req.query.get("depth") ?? 0) || 0);
    }
    const pretty = req.query.get("pretty") === "true";
    return { status: 200, type: JSON_TYPE, body: JSON.stringify(out, null, pretty ? 2 : undefined) };
  }

  private visibleChildren(folder: Folder, user: FakeJenkinsUser): Ref[] {
    if (!this.can(user, PERM.read)) return [];
    return [...folder.children.values()].map((item) => this.itemRef(item));
  }

  private itemRef(item: Item): Ref {
    return item.type === "job"
      ? new Ref(() => this.jobJson(item), ["name", "url", "color"])
      : new Ref(() => this.folderJson(item), ["name", "url"]);
  }

  private buildRef(b: Build): Ref {
    return new Ref(() => this.buildJson(b), ["number", "url"]);
  }

  private allView(url: string): Obj {
    return { _class: CLASS.allView, name: "all", url };
  }

  private rootJson(user: FakeJenkinsUser): Obj {
    const view = this.allView(`${this.url}/`);
    return {
      _class: CLASS.root,
      assignedLabels: [{ name: "built-in" }],
      mode: "NORMAL",
      nodeDescription: "the Jenkins controller's built-in node",
      nodeName: "",
      numExecutors: this.slots.length,
      description: null,
      jobs: this.visibleChildren(this.root, user),
      overallLoad: {},
      primaryView: new Ref(() => this.viewJson(user), ["name", "url"]),
      quietDownReason: null,
      quietingDown: false,
      slaveAgentPort: -1,
      unlabeledLoad: { _class: "jenkins.model.UnlabeledLoadStatistics" },
      url: `${this.url}/`,
      useCrumbs: this.crumbMode !== "off",
      useSecurity: true,
      views: [view],
    };
  }

  private viewJson(user: FakeJenkinsUser): Obj {
    return {
      ...this.allView(`${this.url}/`),
      description: null,
      jobs: this.visibleChildren(this.root, user),
      property: [],
    };
  }

  private itemJson(item: Item): Obj {
    return item.type === "job" ? this.jobJson(item) : this.folderJson(item);
  }

  private folderJson(folder: Folder): Obj {
    const url = this.itemUrl(folder);
    return {
      _class: CLASS.folder,
      actions: [{}],
      description: null,
      displayName: folder.name,
      displayNameOrNull: null,
      fullDisplayName: this.fullDisplayName(folder),
      fullName: folder.fullName,
      name: folder.name,
      url,
      healthReport: [],
      jobs: [...folder.children.values()].map((child) => this.itemRef(child)),
      primaryView: this.allView(url),
      views: [this.allView(url)],
    };
  }

  private jobJson(job: Job): Obj {
    const newestFirst = [...job.builds].reverse();
    const link = (permalink: string) => {
      const b = this.findBuild(job, permalink);
      return b ? this.buildRef(b) : null;
    };
    const queued = [...this.queue.values()].filter((i) => i.job === job && !i.run && i.state !== "left");
    const parameters = job.params && this.parametersProperty(job.params);
    return {
      _class: job.kind === "pipeline" ? CLASS.pipeline : CLASS.freestyle,
      actions: parameters ? [parameters, {}] : [{}],
      description: "",
      displayName: job.name,
      displayNameOrNull: null,
      fullDisplayName: this.fullDisplayName(job),
      fullName: job.fullName,
      name: job.name,
      url: this.itemUrl(job),
      buildable: !job.disabled,
      builds: newestFirst.slice(0, 100).map((b) => this.buildRef(b)),
      color: this.jobColor(job),
      firstBuild: job.builds[0] ? this.buildRef(job.builds[0]) : null,
      healthReport: this.healthReport(job),
      inQueue: queued.length > 0,
      keepDependencies: false,
      lastBuild: link("lastBuild"),
      lastCompletedBuild: link("lastCompletedBuild"),
      lastFailedBuild: link("lastFailedBuild"),
      lastStableBuild: link("lastStableBuild"),
      lastSuccessfulBuild: link("lastSuccessfulBuild"),
      lastUnstableBuild: link("lastUnstableBuild"),
      lastUnsuccessfulBuild: link("lastUnsuccessfulBuild"),
      nextBuildNumber: job.nextBuildNumber,
      property: parameters ? [parameters] : [],
      queueItem: queued[0] ? new Ref(() => this.queueItemJson(queued[0]), "all") : null,
      concurrentBuild: job.concurrent,
      disabled: job.disabled,
      ...(job.kind === "pipeline"
        ? { resumeBlocked: false }
        : {
            downstreamProjects: [],
            labelExpression: null,
            scm: { _class: "hudson.scm.NullSCM" },
            upstreamProjects: [],
          }),
    };
  }

  private parametersProperty(defs: ParamDef[]): Obj {
    return {
      _class: CLASS.parametersProperty,
      parameterDefinitions: defs.map((d) => {
        const type = d.choices ? "ChoiceParameterDefinition" : "StringParameterDefinition";
        return {
          _class: `hudson.model.${type}`,
          defaultParameterValue: { _class: CLASS.stringValue, name: d.name, value: d.default },
          description: d.description,
          name: d.name,
          type,
          ...(d.choices ? { choices: [...d.choices] } : {}),
        };
      }),
    };
  }

  /** Job.getIconColor: the last started build's color, animated while it runs; disabled wins. */
  private jobColor(job: Job): string {
    const last = job.builds.at(-1);
    if (job.disabled) return last && isBuilding(last) ? "disabled_anime" : "disabled";
    return last ? this.buildColor(last) : "notbuilt";
  }

  private buildColor(b: Build): string {
    if (b.result) return COLOR[b.result];
    const previous = findLast(b.job.builds, (p) => p.number < b.number && !isBuilding(p));
    return `${previous?.result ? COLOR[previous.result] : "notbuilt"}_anime`;
  }

  /** Job.getBuildStabilityHealthReport over the last five conclusive builds. */
  private healthReport(job: Job): Obj[] {
    let total = 0;
    let failed = 0;
    for (const b of [...job.builds].reverse()) {
      if (total >= 5) break;
      if (b.result === "SUCCESS" || b.result === "UNSTABLE") total++;
      if (b.result === "FAILURE") {
        total++;
        failed++;
      }
    }
    if (total === 0) return [];
    const score = Math.floor((100 * (total - failed)) / total);
    const text =
      failed === 0
        ? "No recent builds failed."
        : failed === total
          ? "All recent builds failed."
          : `${failed} out of the last ${total} builds failed.`;
    const icon =
      score <= 20
        ? "00to19"
        : score <= 40
          ? "20to39"
          : score <= 60
            ? "40to59"
            : score <= 80
              ? "60to79"
              : "80plus";
    return [
      {
        description: `Build stability: ${text}`,
        iconClassName: `icon-health-${icon}`,
        iconUrl: `health-${icon}.png`,
        score,
      },
    ];
  }

  /** Job.getEstimatedDuration: mean of up to 3 recent good builds, falling back to failed ones; -1 if none. */
  private estimatedDuration(job: Job): number {
    const done = [...job.builds].reverse().filter((b) => !isBuilding(b));
    const good = done.filter((b) => b.result === "SUCCESS" || b.result === "UNSTABLE");
    const fallback = done.filter((b) => b.result === "FAILURE");
    const candidates = [...good, ...fallback].slice(0, 3);
    const total = candidates.reduce((sum, b) => sum + b.duration, 0);
    return total === 0 ? -1 : Math.round(total / candidates.length);
  }

  private parametersAction(params: Params): Obj {
    return {
      _class: CLASS.parametersAction,
      parameters: params.map(([name, value]) => ({ _class: CLASS.stringValue, name, value })),
    };
  }

  private buildJson(b: Build): Obj {
    const pipeline = b.job.kind === "pipeline";
    const neighbour = (n: number) => {
      const other = b.job.builds.find((x) => x.number === n);
      return other ? this.buildRef(other) : null;
    };
    return {
      _class: pipeline ? CLASS.pipelineRun : CLASS.freestyleBuild,
      actions: [
        ...(b.params ? [this.parametersAction(b.params)] : []),
        { _class: CLASS.causeAction, causes: b.causes },
        {},
      ],
      artifacts: [],
      building: isBuilding(b),
      description: b.description,
      displayName: `#${b.number}`,
      duration: b.duration,
      estimatedDuration: this.estimatedDuration(b.job),
      executor: isBuilding(b) ? (pipeline ? { _class: "hudson.model.OneOffExecutor" } : {}) : null,
      fullDisplayName: `${this.fullDisplayName(b.job)} #${b.number}`,
      id: String(b.number),
      keepLog: false,
      number: b.number,
      queueId: b.queueId,
      result: b.result,
      timestamp: b.timestamp,
      url: this.buildUrl(b),
      inProgress: isBuilding(b),
      ...(pipeline
        ? {
            changeSets: [],
            culprits: [],
            nextBuild: neighbour(b.number + 1),
            previousBuild: neighbour(b.number - 1),
          }
        : {
            builtOn: "",
            changeSet: { _class: "hudson.scm.EmptyChangeLogSet", items: [], kind: null },
            culprits: [],
          }),
    };
  }

  private queueJson(user: FakeJenkinsUser): Obj {
    // Queue.getItems: waiting, then blocked, then buildable newest first.
    const live = [...this.queue.values()].filter((i) => i.state !== "left");
    const of = (state: ItemState) => live.filter((i) => i.state === state);
    const items = [...of("waiting"), ...of("blocked"), ...of("buildable").reverse()];
    const visible = this.can(user, PERM.read) ? items : [];
    return {
      _class: CLASS.queue,
      discoverableItems: [],
      items: visible.map((i) => new Ref(() => this.queueItemJson(i), "all")),
    };
  }

  private queueItemJson(item: QueueItem): Obj {
    const kind = {
      waiting: "WaitingItem",
      blocked: "BlockedItem",
      buildable: "BuildableItem",
      left: "LeftItem",
    };
    const run = item.run;
    const task: Val = run
      ? { _class: CLASS.placeholderTask, name: `part of ${this.fullDisplayName(run.job)} #${run.number}` }
      : this.itemRef(item.job);
    const common: Obj = {
      _class: `hudson.model.Queue$${kind[item.state]}`,
      actions: [
        ...(item.params ? [this.parametersAction(item.params)] : []),
        ...(item.causes.length ? [{ _class: CLASS.causeAction, causes: item.causes }] : []),
      ],
      blocked: item.state === "blocked",
      buildable: item.state === "buildable",
      id: item.id,
      inQueueSince: item.inQueueSince,
      params: (item.params ?? []).map(([n, v]) => `\n(StringParameterValue) ${n}='${v}'`).join(""),
      stuck: item.state === "buildable" && this.isStuck(item),
      task,
      url: `queue/item/${item.id}/`,
      why: this.why(item),
    };
    switch (item.state) {
      case "waiting":
        return { ...common, timestamp: item.dueAt };
      case "blocked":
        return { ...common, buildableStartMilliseconds: item.readySince };
      case "buildable":
        return { ...common, buildableStartMilliseconds: item.readySince, pending: false };
      case "left":
        return { ...common, cancelled: item.cancelled, executable: this.executableJson(item) };
    }
  }

  private executableJson(item: QueueItem): Val {
    const b = item.executable;
    if (!b) return null;
    if (!item.run) return this.buildRef(b);
    return { _class: CLASS.placeholderExecutable, number: b.number, url: this.buildUrl(b) };
  }

  private why(item: QueueItem): string | null {
    switch (item.state) {
      case "waiting":
        return `In the quiet period. Expires in ${timeSpan(Math.max(0, item.dueAt - this.clock))}`;
      case "blocked": {
        const running = findLast(item.job.builds, isBuilding);
        if (!running) return "Waiting for next available executor";
        const estimate = this.estimatedDuration(item.job);
        const remaining = estimate - (this.clock - (running.nodeAt ?? running.timestamp));
        const eta = estimate < 0 || remaining <= 0 ? "N/A" : timeSpan(remaining);
        return `Build #${running.number.toLocaleString("en-US")} is already in progress (ETA:${eta})`;
      }
      case "buildable":
        return "Waiting for next available executor";
      case "left":
        return null;
    }
  }

  /** BuildableItem.isStuck: waiting ten times the estimate (at least ten minutes), or a day without one. */
  private isStuck(item: QueueItem): boolean {
    const estimate = this.estimatedDuration(item.job);
    const elapsed = this.clock - item.readySince;
    return estimate >= 0 ? elapsed > Math.max(estimate, 60_000) * 10 : elapsed > 24 * 3_600_000;
  }

  private computerSetJson(): Obj {
    const busy = this.slots.filter((b) => b !== null).length;
    return {
      _class: CLASS.computerSet,
      // ComputerSet counts only online computers.
      busyExecutors: this.offline ? 0 : busy,
      computer: [this.builtInComputerJson()],
      displayName: "Nodes",
      totalExecutors: this.offline ? 0 : this.slots.length,
    };
  }

  private builtInComputerJson(): Obj {
    const flyweights = this.runningPipelines();
    return {
      _class: CLASS.builtInComputer,
      actions: [],
      assignedLabels: [{ name: "built-in" }],
      description: "the Jenkins controller's built-in node",
      displayName: "Built-In Node",
      executors: this.slots.map((b, i) => this.executorRef(b, i)),
      icon: "symbol-computer",
      iconClassName: "symbol-computer",
      idle: this.slots.every((b) => b === null) && flyweights.length === 0,
      jnlpAgent: false,
      launchSupported: true,
      loadStatistics: { _class: "hudson.model.Label$1" },
      manualLaunchAllowed: true,
      monitorData: {},
      numExecutors: this.slots.length,
      offline: this.offline,
      offlineCause: this.offline ? { _class: "hudson.slaves.OfflineCause$UserCause" } : null,
      offlineCauseReason: this.offlineReason,
      oneOffExecutors: flyweights.map((b) => this.executorRef(b, -1, true)),
      temporarilyOffline: this.offline,
    };
  }

  private runningPipelines(): Build[] {
    const all = this.allJobs().flatMap((job) => job.builds);
    return all.filter((b) => b.job.kind === "pipeline" && isBuilding(b));
  }

  private allJobs(folder: Folder = this.root): Job[] {
    return [...folder.children.values()].flatMap((item) =>
      item.type === "job" ? [item] : this.allJobs(item),
    );
  }

  /** Executors have no `_class` (declared and actual type agree), so depth=0 shows `{}`. */
  private executorRef(b: Build | null, number: number, flyweight = false): Ref {
    return new Ref(() => {
      const estimate = b ? this.estimatedDuration(b.job) : -1;
      const elapsed = b ? this.clock - (flyweight ? b.timestamp : (b.nodeAt ?? b.timestamp)) : 0;
      let executable: Val = null;
      if (b) {
        executable =
          b.job.kind === "pipeline" && !flyweight ? this.placeholderExecutable(b) : this.buildRef(b);
      }
      return {
        currentExecutable: executable,
        idle: b === null,
        likelyStuck: false,
        number,
        progress: b && estimate > 0 ? Math.min(99, Math.floor((elapsed * 100) / estimate)) : -1,
      };
    }, []);
  }

  private placeholderExecutable(b: Build): Obj {
    return { _class: CLASS.placeholderExecutable, number: b.number, url: this.buildUrl(b) };
  }

  private whoAmIJson(user: FakeJenkinsUser): Obj {
    return {
      _class: CLASS.whoAmI,
      anonymous: false,
      authenticated: true,
      authorities: ["authenticated"],
      details: null,
      name: user.name,
      toString: `UsernamePasswordAuthenticationToken [Principal=${user.name}, Authenticated=true]`,
    };
  }

  private userJson(user: FakeJenkinsUser): Obj {
    return {
      _class: CLASS.user,
      absoluteUrl: `${this.url}/user/${encodeURIComponent(user.name)}`,
      description: null,
      fullName: user.name,
      id: user.name,
      property: [],
    };
  }
}
