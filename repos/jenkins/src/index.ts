import type { Context, WebhookRequest } from "errand/plugin";
import { duration, executorMood, resultText, stateOf } from "./format.js";
import { baseUrl, get, getJson, JenkinsError, jobUrl, post, queueIdOf } from "./jenkins-api.js";
import { closestNames, jobPath, matchesPattern } from "./job-path.js";

interface JobJson {
  _class: string;
  name: string;
  fullName?: string;
  url: string;
  color?: string;
  buildable?: boolean;
  disabled?: boolean;
  inQueue?: boolean;
  queueItem?: { id: number } | null;
  lastBuild?: { number: number; url: string } | null;
  healthReport?: { description: string; score: number }[];
  property?: { _class: string; parameterDefinitions?: ParamDef[] }[];
  jobs?: JobJson[];
}
interface ParamDef {
  name: string;
  choices?: string[];
  defaultParameterValue?: { value?: unknown };
}
interface BuildJson {
  number: number;
  url: string;
  building: boolean;
  result: string | null;
  duration: number;
  estimatedDuration?: number;
  fullDisplayName?: string;
  queueId?: number;
  actions?: { _class?: string; causes?: { shortDescription?: string }[] }[];
}
interface QueueItem {
  id: number;
  why?: string | null;
  cancelled?: boolean;
  task?: { name: string; url?: string };
  executable?: { number: number; url: string } | null;
}
interface Follow {
  job: string;
  queueId?: number;
  number?: number;
  failures?: number;
}

const JOB_TREE = "name,fullName,url,color,_class";

/**
 * Lists the jobs (folders included) with their state: passing, failing, unstable, building...
 * @param filter - only jobs whose name contains this
 * @example !jenkins jobs
 * @example !jenkins jobs deploy
 * @command jenkins jobs
 */
export async function jobs(ctx: Context, filter?: string): Promise<string> {
  const all = (await listJobs(ctx)).filter(
    (j) => !filter || fullName(j).toLowerCase().includes(filter.toLowerCase()),
  );
  if (all.length === 0) return filter ? `No job matches "${filter}".` : "Jenkins has no jobs.";
  const shown = all.slice(0, 40).map((j) => `  ${fullName(j)}: ${stateOf(j.color)}`);
  return [
    `${all.length} job${all.length === 1 ? "" : "s"}:`,
    ...shown,
    ...(all.length > 40 ? [`  … and ${all.length - 40} more`] : []),
  ].join("\n");
}

/**
 * Shows a job's last build: number, result, duration, who started it, link.
 * @param job - the job's full name (`folder/job` for jobs in folders)
 * @example !jenkins status deploy-api
 * @command jenkins status
 */
export async function status(ctx: Context, job: string): Promise<string> {
  const j = await requireJob(ctx, job);
  const queued = j.inQueue ? " A build is queued." : "";
  if (!j.lastBuild) return `${fullName(j)} has never been built.${queued}`;
  const b = await requireBuild(ctx, fullName(j), j.lastBuild.number);
  if (b.building) return `${fullName(j)} #${b.number} is building (${stateOf(j.color)}): ${b.url}${queued}`;
  return `${fullName(j)} #${b.number}: ${b.result} in ${duration(b.duration)}, ${startedBy(b)}: ${b.url}${queued}`;
}

/**
 * Starts a build, with parameters as K=V, answers with the build number once it leaves the queue,
 * and tells you here when it ends.
 * @param job - the job's full name
 * @example !jenkins build deploy-api
 * @example !jenkins build deploy-api BRANCH=main DRY_RUN=true
 * @command jenkins build
 */
export async function build(ctx: Context, job: string): Promise<string> {
  const j = await requireJob(ctx, job);
  const name = fullName(j);
  const params = await triggerBuild(ctx, j, { ...ctx.options });
  await ctx.schedule.after(pollMs(ctx), followQueue, { job: name, queueId: params.queueId } satisfies Follow);
  const given = Object.entries(ctx.options)
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
  const already = params.existing ? "It was already queued; I follow that one. " : "";
  return `Queued ${name}${given ? ` (${given})` : ""}. ${already}I will tell you here when it starts and when it ends.`;
}

/**
 * Cancels a job's queued build, or stops its running build (or build N).
 * @param job - the job's full name
 * @param number - a build number (default: what is queued or running)
 * @example !jenkins abort deploy-api
 * @example !jenkins abort deploy-api 42
 * @command jenkins abort
 */
export async function abort(ctx: Context, job: string, number?: string): Promise<string> {
  const j = await requireJob(ctx, job);
  const name = fullName(j);
  if (number !== undefined) return stopBuild(ctx, name, buildNumber(number));
  if (j.inQueue && j.queueItem) {
    const res = await post(ctx, `/queue/cancelItem?id=${j.queueItem.id}`);
    if (res.status === 404)
      return `The queued build of ${name} has just left the queue; try again to stop it.`;
    return `Cancelled the queued build of ${name}.`;
  }
  if (j.lastBuild) {
    const b = await requireBuild(ctx, name, j.lastBuild.number);
    if (b.building) return stopBuild(ctx, name, b.number);
    return `Nothing of ${name} is queued or running; #${b.number} ended ${b.result}.`;
  }
  return `Nothing of ${name} is queued or running.`;
}

/**
 * Shows the end of a build's console log.
 * @param job - the job's full name
 * @param number - the build number (default: the last build)
 * @param lines - how many lines (default 20, at most 200)
 * @example !jenkins log deploy-api
 * @example !jenkins log deploy-api 42 50
 * @command jenkins log
 */
export async function log(ctx: Context, job: string, number?: string, lines?: string): Promise<string> {
  const j = await requireJob(ctx, job);
  const name = fullName(j);
  const n = number === undefined || number === "last" ? j.lastBuild?.number : buildNumber(number);
  if (n === undefined) return `${name} has never been built.`;
  const count = Math.min(200, Math.max(1, lines === undefined ? 20 : buildNumber(lines)));
  const res = await get(ctx, `${jobPath(name)}/${n}/consoleText`);
  if (res.status === 404) throw new JenkinsError(`${name} has no build #${n}.`);
  const tail = res.body.replace(/\n$/, "").split("\n").slice(-count);
  return [`Last ${tail.length} lines of ${name} #${n}:`, "```", ...tail, "```"].join("\n");
}

/**
 * Shows what waits in the Jenkins queue, and why.
 * @example !jenkins queue
 * @command jenkins queue
 */
export async function queue(ctx: Context): Promise<string> {
  const q = await getJson<{ items: QueueItem[] }>(ctx, "/queue/api/json");
  const items = q?.items ?? [];
  if (items.length === 0) return "The queue is empty.";
  return [
    `${items.length} in the queue:`,
    ...items.map((i) => `  ${i.task?.name ?? `item ${i.id}`}: ${i.why ?? "waiting"}`),
  ].join("\n");
}

/**
 * Shows how busy the executors are.
 * @example !jenkins executors
 * @command jenkins executors
 */
export async function executors(ctx: Context): Promise<string> {
  const c = await getJson<{ busyExecutors: number; totalExecutors: number }>(
    ctx,
    "/computer/api/json?tree=busyExecutors,totalExecutors",
  );
  const q = await getJson<{ items: unknown[] }>(ctx, "/queue/api/json");
  return executorMood(c?.busyExecutors ?? 0, c?.totalExecutors ?? 0, q?.items.length ?? 0);
}

/**
 * Shows the health reports of a job, or of every job, worst first.
 * @param job - the job's full name (default: all jobs)
 * @example !jenkins health
 * @example !jenkins health deploy-api
 * @command jenkins health
 */
export async function health(ctx: Context, job?: string): Promise<string> {
  if (job !== undefined) {
    const j = await requireJob(ctx, job);
    const reports = j.healthReport ?? [];
    if (reports.length === 0) return `${fullName(j)} has no health report yet.`;
    return [`${fullName(j)}:`, ...reports.map((r) => `  ${r.description} (${r.score}%)`)].join("\n");
  }
  const tree = `jobs[${JOB_TREE},healthReport[description,score],jobs[${JOB_TREE},healthReport[description,score]]]`;
  const root = await getJson<{ jobs: JobJson[] }>(ctx, `/api/json?tree=${encodeURIComponent(tree)}`);
  const rated = flatten(root?.jobs ?? [])
    .map((j) => ({ j, worst: Math.min(...(j.healthReport ?? []).map((r) => r.score)) }))
    .filter((x) => Number.isFinite(x.worst))
    .sort((a, b) => a.worst - b.worst);
  if (rated.length === 0) return "No job has a health report yet.";
  return rated
    .slice(0, 30)
    .map(({ j, worst }) => `  ${fullName(j)} (${worst}%): ${(j.healthReport ?? [])[0]?.description ?? ""}`)
    .join("\n");
}

/**
 * Tells you here when a build ends, with its result and duration: "tell me when this job is done".
 * @param job - the job's full name
 * @param number - the build number (default: the last build)
 * @example !jenkins watch nightly
 * @example !jenkins watch deploy-api 42
 * @command jenkins watch
 */
export async function watch(ctx: Context, job: string, number?: string): Promise<string> {
  const j = await requireJob(ctx, job);
  const name = fullName(j);
  const n = number === undefined ? j.lastBuild?.number : buildNumber(number);
  if (n === undefined) return `${name} has never been built; nothing to watch.`;
  const b = await requireBuild(ctx, name, n);
  if (!b.building) return `${name} #${n} already ended: ${b.result} after ${duration(b.duration)}: ${b.url}`;
  await ctx.schedule.after(pollMs(ctx), followBuild, { job: name, number: n } satisfies Follow);
  return `Watching ${name} #${n}; I will tell you here when it ends.`;
}

/**
 * Follows a queued build until it starts (timer target).
 * @internal
 */
export async function followQueue(ctx: Context, data: Follow): Promise<string | null> {
  return retrying(ctx, data, followQueue, async () => {
    const item = await getJson<QueueItem>(ctx, `/queue/item/${data.queueId}/api/json`);
    if (item?.cancelled) return `${mention(ctx)}the queued build of ${data.job} was cancelled.`;
    const started = item?.executable ?? (item ? null : await buildOfQueueItem(ctx, data));
    if (!started) {
      if (!item)
        return `${mention(ctx)}I lost track of the queued build of ${data.job} (it left the queue without a build).`;
      await ctx.schedule.after(pollMs(ctx), followQueue, { ...data, failures: 0 });
      return null;
    }
    await ctx.schedule.after(pollMs(ctx), followBuild, {
      job: data.job,
      number: started.number,
    } satisfies Follow);
    return `${data.job} #${started.number} started: ${started.url}`;
  });
}

/**
 * Follows a running build until it ends, then says how it ended (timer target).
 * @internal
 */
export async function followBuild(ctx: Context, data: Follow): Promise<string | null> {
  return retrying(ctx, data, followBuild, async () => {
    const b = await getJson<BuildJson>(ctx, `${jobPath(data.job)}/${data.number}/api/json`);
    if (!b) return `${mention(ctx)}${data.job} #${data.number} is gone from Jenkins.`;
    if (b.building) {
      await ctx.schedule.after(pollMs(ctx), followBuild, { ...data, failures: 0 });
      return null;
    }
    return `${mention(ctx)}${data.job} #${b.number} ${resultText(b.result, false)} after ${duration(b.duration)}: ${b.url}`;
  });
}

/**
 * Build events from the Jenkins Notification plugin, posted to the rooms whose job pattern matches.
 * Point the plugin at `https://BOT/hooks/jenkins/notify?token=NOTIFY_TOKEN` (JSON, phases STARTED and
 * COMPLETED).
 * @webhook
 * @unsigned
 */
export async function notify(ctx: Context, req: WebhookRequest): Promise<unknown> {
  const expected = ctx.config.notifyToken;
  if (typeof expected === "string" && expected !== "" && req.query.token !== expected) {
    return { httpStatus: 403, body: { error: "wrong or missing ?token=" } };
  }
  const event = req.body as { name?: string; url?: string; build?: Record<string, unknown> };
  const b = event.build;
  if (!event.name || !b)
    return { httpStatus: 400, body: { error: "not a Jenkins Notification plugin event" } };
  const name = jobNameFromUrl(String(event.url ?? "")) ?? event.name;
  const link = String(b.full_url ?? `${baseUrl(ctx)}/${b.url ?? ""}`);
  let text: string;
  if (b.phase === "STARTED") text = `${name} #${b.number} started: ${link}`;
  else if (b.phase === "COMPLETED") {
    const took = typeof b.duration === "number" && b.duration > 0 ? ` after ${duration(b.duration)}` : "";
    text = `${name} #${b.number} ${b.status ?? "finished"}${took}: ${link}`;
  } else return { ignored: b.phase };
  const rooms = roomsFor(ctx, name);
  for (const room of rooms) await ctx.send(room, text);
  return { posted: rooms };
}

/**
 * A GitHub push starts the jobs mapped to its repository and branch (`pushTriggers`), and says so in
 * their room. Point a GitHub webhook (content type JSON, secret = `webhookSecret`) at
 * `https://BOT/hooks/jenkins/push`.
 * @webhook
 */
export async function push(ctx: Context, req: WebhookRequest): Promise<unknown> {
  const event = req.headers["x-github-event"];
  if (event === "ping") return { pong: true };
  if (event !== "push") return { ignored: event ?? "no X-GitHub-Event" };
  const body = (req.body as { payload?: unknown }).payload ?? req.body;
  const p = body as {
    ref?: string;
    deleted?: boolean;
    repository?: { full_name?: string };
    pusher?: { name?: string };
    head_commit?: { id?: string; message?: string };
  };
  if (p.deleted || !p.ref?.startsWith("refs/heads/")) return { ignored: "not a branch update" };
  const branch = p.ref.slice("refs/heads/".length);
  const repo = p.repository?.full_name ?? "";
  const triggers = (
    (ctx.config.pushTriggers ?? []) as {
      repository: string;
      branch?: string;
      jobs: string[];
      room?: string;
    }[]
  ).filter(
    (t) => t.repository.toLowerCase() === repo.toLowerCase() && matchesPattern(branch, t.branch ?? "*"),
  );
  const started: string[] = [];
  for (const t of triggers) {
    const outcomes: string[] = [];
    for (const job of t.jobs) {
      try {
        const j = await requireJob(ctx, job);
        await triggerBuild(ctx, j, {});
        outcomes.push(`started ${fullName(j)}`);
        started.push(fullName(j));
      } catch (err) {
        outcomes.push(`could not start ${job}: ${(err as Error).message}`);
      }
    }
    const commit = p.head_commit?.id
      ? ` (${p.head_commit.id.slice(0, 7)} "${(p.head_commit.message ?? "").split("\n")[0]}")`
      : "";
    const text = `Push to ${repo} ${branch} by ${p.pusher?.name ?? "someone"}${commit}: ${outcomes.join("; ")}.`;
    for (const room of t.room ? [t.room] : roomsFor(ctx, t.jobs[0] ?? "")) await ctx.send(room, text);
  }
  return { started };
}

async function triggerBuild(
  ctx: Context,
  j: JobJson,
  given: Record<string, string>,
): Promise<{ queueId: number; existing: boolean }> {
  const name = fullName(j);
  if (j.buildable === false || j.disabled) throw new JenkinsError(`${name} is disabled: it cannot be built.`);
  const defs = (j.property ?? []).flatMap((p) => p.parameterDefinitions ?? []);
  const keys = Object.keys(given);
  if (defs.length === 0 && keys.length > 0) {
    throw new JenkinsError(
      `${name} is not parameterized; build it without ${keys.map((k) => `${k}=`).join(", ")}.`,
    );
  }
  for (const k of keys) {
    const def = defs.find((d) => d.name === k);
    if (!def)
      throw new JenkinsError(
        `${name} has no parameter ${k}. Its parameters: ${defs.map((d) => d.name).join(", ")}.`,
      );
    if (def.choices && !def.choices.includes(given[k] as string)) {
      throw new JenkinsError(`${k} of ${name} is one of ${def.choices.join(", ")}; "${given[k]}" is not.`);
    }
  }
  const query = keys
    .map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(given[k] as string)}`)
    .join("&");
  const path =
    defs.length > 0
      ? `${jobPath(name)}/buildWithParameters${query ? `?${query}` : ""}`
      : `${jobPath(name)}/build`;
  const res = await post(ctx, path);
  if (res.status === 404) throw new JenkinsError(`${name} disappeared from Jenkins.`);
  if (res.status === 400)
    throw new JenkinsError(`Jenkins refused the build of ${name}: ${res.body.slice(0, 200)}`);
  const queueId = queueIdOf(res);
  if (queueId === null)
    throw new JenkinsError(`Jenkins accepted the build of ${name} but did not say where it queued it.`);
  return { queueId, existing: res.status === 303 };
}

async function stopBuild(ctx: Context, name: string, n: number): Promise<string> {
  const res = await post(ctx, `${jobPath(name)}/${n}/stop`);
  if (res.status === 404) throw new JenkinsError(`${name} has no build #${n}.`);
  return `Stopping ${name} #${n}: ${jobUrl(ctx, name)}${n}/`;
}

async function requireJob(ctx: Context, job: string): Promise<JobJson> {
  const name = job.replace(/^\/+|\/+$/g, "");
  const j = await getJson<JobJson>(ctx, `${jobPath(name)}/api/json`);
  if (j && !/Folder|OrganizationFolder|MultiBranch/.test(j._class)) return j;
  const names = (await listJobs(ctx)).map(fullName);
  const close = closestNames(name, names);
  const what = j ? `"${name}" is a folder, not a job.` : `There is no job "${name}".`;
  throw new JenkinsError(`${what}${close.length ? ` Did you mean ${close.join(", ")}?` : ""}`);
}

async function requireBuild(ctx: Context, job: string, n: number): Promise<BuildJson> {
  const b = await getJson<BuildJson>(ctx, `${jobPath(job)}/${n}/api/json`);
  if (!b) throw new JenkinsError(`${job} has no build #${n}.`);
  return b;
}

async function listJobs(ctx: Context): Promise<JobJson[]> {
  const tree = `jobs[${JOB_TREE},jobs[${JOB_TREE},jobs[${JOB_TREE}]]]`;
  const root = await getJson<{ jobs: JobJson[] }>(ctx, `/api/json?tree=${encodeURIComponent(tree)}`);
  return flatten(root?.jobs ?? []);
}

/** Jobs inside folders, with their full names; the folders themselves left out. */
function flatten(list: JobJson[], prefix = ""): JobJson[] {
  return list.flatMap((j) => {
    const full = j.fullName ?? `${prefix}${j.name}`;
    if (j.jobs) return flatten(j.jobs, `${full}/`);
    return [{ ...j, fullName: full }];
  });
}

function fullName(j: JobJson): string {
  return j.fullName ?? j.name;
}

/** When a left queue item has expired (5 minutes), its build is found by queueId among the job's builds. */
async function buildOfQueueItem(ctx: Context, data: Follow): Promise<{ number: number; url: string } | null> {
  const j = await getJson<{ builds?: { number: number; url: string; queueId?: number }[] }>(
    ctx,
    `${jobPath(data.job)}/api/json?tree=${encodeURIComponent("builds[number,url,queueId]{0,20}")}`,
  );
  return j?.builds?.find((b) => b.queueId === data.queueId) ?? null;
}

/** Keeps a follower going through short Jenkins outages: five misses in a row, then it says so. */
async function retrying(
  ctx: Context,
  data: Follow,
  again: (ctx: Context, data: Follow) => Promise<string | null>,
  work: () => Promise<string | null>,
): Promise<string | null> {
  try {
    return await work();
  } catch (err) {
    const failures = (data.failures ?? 0) + 1;
    if (failures >= 5) return `${mention(ctx)}I stopped following ${data.job}: ${(err as Error).message}`;
    ctx.log.warn(`following ${data.job} failed (${failures}): ${(err as Error).message}`);
    await ctx.schedule.after(pollMs(ctx) * failures, again, { ...data, failures });
    return null;
  }
}

function startedBy(b: BuildJson): string {
  const cause = (b.actions ?? []).flatMap((a) => a.causes ?? [])[0]?.shortDescription;
  return cause ? cause.charAt(0).toLowerCase() + cause.slice(1) : "started by someone";
}

function roomsFor(ctx: Context, job: string): string[] {
  const map = (ctx.config.notifyRooms ?? {}) as Record<string, string>;
  const rooms = Object.entries(map)
    .filter(([pattern]) => matchesPattern(job, pattern))
    .map(([, room]) => (room.startsWith("#") || room.startsWith("@") ? room : `#${room}`));
  return [...new Set(rooms)];
}

/** "job/folder/job/deploy/" → "folder/deploy" */
function jobNameFromUrl(url: string): string | null {
  const parts = [...url.matchAll(/job\/([^/]+)/g)].map((m) => decodeURIComponent(m[1] as string));
  return parts.length ? parts.join("/") : null;
}

/** In a room, name the person the news is for. */
function mention(ctx: Context): string {
  return ctx.isDirect ? "" : `${ctx.user.name}: `;
}

function pollMs(ctx: Context): number {
  return Number(ctx.config.pollSeconds ?? 10) * 1000;
}

function buildNumber(s: string): number {
  if (!/^\d{1,9}$/.test(s)) throw new JenkinsError(`"${s}" is not a number.`);
  return Number(s);
}
