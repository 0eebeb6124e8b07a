/**
 * `npm run bench`: figures measured through the real CLI on a pipe, each beside a bare Node line-echo
 * loop driven by the same harness in the same run (the limit); the webhook figures beside a bare Node
 * HTTP server driven by the same client. Medians over several runs; the machine is small and noisy, so
 * read the ratios. Figures also go to bench-results/latest.json.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { nearestRank } from "../../src/commands/handling-times.js";
import { packageRoot } from "../../src/paths.js";
import { GitRepo } from "../helpers/git-repo.js";
import { LineProcess } from "./line-process.js";
import { writePluginCopies } from "./plugin-copies.js";
import { jsonPoster } from "./post-json.js";

const RUNS = 5;
const ROUND_TRIPS = 1000;
// A bot runs for days: latency is measured warm (JIT-compiled), start-up separately.
const WARMUP = 1000;
const THROUGHPUT_LINES = 5000;
const WEBHOOK_POSTS = 1000;
/** Posts before each measured pattern (see webhookFigures). */
const WEBHOOK_WARMUP = 2000;
/** A handful of names: the store value `!hello` reads and writes stays the size a real tally has. */
const helloLine = (i: number) => `!hello n${i % 10}`;
const helloReply = (i: number) => `Hello, n${i % 10}!`;
const node = process.execPath;
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("ERRAND_")));
const hello = resolve(packageRoot, "repos", "hello");
const automation = resolve(packageRoot, "test", "fixtures", "plugins", "automation");

const startBare = (flags: string[] = []) =>
  new LineProcess(node, [...flags, resolve(packageRoot, "dist/test/bench/echo-loop.js")]);
const startBareHttp = () => new LineProcess(node, [resolve(packageRoot, "dist/test/bench/echo-http.js")]);
const startBot = (dataDir: string, pluginPaths: string[] = [], flags: string[] = []) =>
  new LineProcess(
    node,
    [
      "--no-node-snapshot",
      resolve(packageRoot, "dist/src/cli.js"),
      "start",
      "--data-dir",
      dataDir,
      ...(pluginPaths.length ? ["--plugin-paths", pluginPaths.join(",")] : []),
      ...flags,
    ],
    env,
  );

// As `!status` computes them.
const percentile = (xs: number[], q: number) =>
  nearestRank(
    [...xs].sort((a, b) => a - b),
    q,
  );
const median = (xs: number[]) => percentile(xs, 0.5);
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

async function withTemp<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), "errand-bench-"));
  try {
    return await work(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Sequential round trips of `line(i)`, each waiting for `expect(i)`. */
async function roundTrips(
  p: LineProcess,
  line: (i: number) => string,
  expect: (i: number) => string,
): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < WARMUP + ROUND_TRIPS; i++) {
    const t0 = process.hrtime.bigint();
    p.send(`${line(i)}\n`);
    const [reply] = await p.nextLines(1);
    if (reply !== expect(i)) throw new Error(`expected ${expect(i)}, got ${reply}`);
    if (i >= WARMUP) times.push(ms(t0));
  }
  return times;
}

async function throughput(
  p: LineProcess,
  line: (i: number) => string = (i) => `!echo t${i}`,
  expect: (i: number) => string = (i) => `t${i}`,
): Promise<number> {
  const t0 = process.hrtime.bigint();
  p.send(Array.from({ length: THROUGHPUT_LINES }, (_, i) => `${line(i)}\n`).join(""));
  const lines = await p.nextLines(THROUGHPUT_LINES);
  if (lines.at(-1) !== expect(THROUGHPUT_LINES - 1)) throw new Error(`bad last reply ${lines.at(-1)}`);
  return THROUGHPUT_LINES / (ms(t0) / 1000);
}

/** Spawn to first answer, and resident memory once it has answered. */
async function coldStart(start: () => LineProcess): Promise<{ ms: number; rssMb: number }> {
  const t0 = process.hrtime.bigint();
  const p = start();
  p.send("!echo ready\n");
  await p.nextLines(1);
  const took = ms(t0);
  const status = readFileSync(`/proc/${p.child.pid}/status`, "utf8");
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  await p.close();
  return { ms: took, rssMb: rssKb / 1024 };
}

/** The bot's own handling times of its last 1,000 messages (the measured round trips), from `!status`. */
async function handlingTimes(p: LineProcess): Promise<{ p50: number; p99: number }> {
  p.send("!status\n!echo status-end\n");
  const status = (await p.untilLine("status-end")).join("\n");
  const m = /Handling: p50 ([\d.]+) ms, p99 ([\d.]+) ms, over the last (\d+) messages/.exec(status);
  // The window must hold exactly the measured round trips.
  if (m && Number(m[3]) !== ROUND_TRIPS)
    throw new Error(`!status covers ${m[3]} messages, not ${ROUND_TRIPS}`);
  if (!m) throw new Error(`no handling times in: ${status}`);
  return { p50: Number(m[1]), p99: Number(m[2]) };
}

async function echoFigures(start: (dir: string) => LineProcess, isBot = false) {
  const p50: number[] = [];
  const p99: number[] = [];
  const ownP50: number[] = [];
  const ownP99: number[] = [];
  const rates: number[] = [];
  const starts: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    await withTemp(async (dir) => {
      starts.push((await coldStart(() => start(join(dir, "data")))).ms);
      const p = start(join(dir, "data"));
      const times = await roundTrips(p, (i) => `!echo ${i}`, String);
      p50.push(percentile(times, 0.5));
      p99.push(percentile(times, 0.99));
      if (isBot) {
        // The last 1,000 messages are the measured round trips.
        const own = await handlingTimes(p);
        ownP50.push(own.p50);
        ownP99.push(own.p99);
      }
      rates.push(await throughput(p));
      await p.close();
    });
  }
  return {
    p50: median(p50),
    p99: median(p99),
    ...(isBot ? { ownP50: median(ownP50), ownP99: median(ownP99) } : {}),
    perSecond: median(rates),
    coldStartMs: median(starts),
  };
}

/**
 * Two commands' round trips in alternating blocks of 50 (50 of a, 50 of b, …), so both meet the same
 * machine: on a small shared one, speed drifts over seconds, and two phases would compare two moments.
 * Blocks, not single turns, so that neither pays for the other's cold caches.
 */
async function alternatingRoundTrips(
  p: LineProcess,
  a: { line: (i: number) => string; reply: (i: number) => string },
  b: { line: (i: number) => string; reply: (i: number) => string },
): Promise<[number[], number[]]> {
  const BLOCK = 50;
  const times: [number[], number[]] = [[], []];
  for (let start = 0; start < WARMUP + ROUND_TRIPS; start += BLOCK) {
    for (const [k, c] of [a, b].entries()) {
      for (let i = start; i < start + BLOCK; i++) {
        const t0 = process.hrtime.bigint();
        p.send(`${c.line(i)}\n`);
        const [reply] = await p.nextLines(1);
        if (reply !== c.reply(i)) throw new Error(`expected ${c.reply(i)}, got ${reply}`);
        if (i >= WARMUP) times[k]?.push(ms(t0));
      }
    }
  }
  return times;
}

/** `!hello` (sandboxed, reads and writes its store) beside `!echo` (core), in the same bot. */
async function sandboxedFigures() {
  const core: number[] = [];
  const sandboxed: number[] = [];
  const rates: number[] = [];
  const activate: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    await withTemp(async (dir) => {
      const p = startBot(join(dir, "data"), [hello]);
      const [echoTimes, helloTimes] = await alternatingRoundTrips(
        p,
        { line: (i) => `!echo ${i}`, reply: String },
        { line: helloLine, reply: helloReply },
      );
      core.push(median(echoTimes));
      sandboxed.push(median(helloTimes));
      rates.push(await throughput(p, helloLine, helloReply));
      for (let i = 0; i < 20; i++) {
        p.send("!plugin deactivate hello\n");
        await p.nextLines(1);
        const t0 = process.hrtime.bigint();
        p.send("!plugin activate hello\n");
        await p.nextLines(1);
        activate.push(ms(t0));
      }
      await p.close();
    });
  }
  return {
    coreP50: median(core),
    sandboxedP50: median(sandboxed),
    storePerSecond: median(rates),
    activateMs: median(activate),
  };
}

/**
 * POSTs to a plugin's webhook through the real HTTP server (or to the bare server, the limit): one
 * after the other, then 16 at a time. Each pattern is measured warm, after posts of its own: the
 * first thousands of concurrent requests on fresh connections are several times slower, for a bare
 * Node server as much as for the bot (JIT, socket buffers), and a bot serves webhooks for days.
 */
async function webhookFigures(start: (dir: string) => LineProcess) {
  const sequential: number[] = [];
  const concurrent: number[] = [];
  let errors = 0;
  for (let run = 0; run < RUNS; run++) {
    await withTemp(async (dir) => {
      const p = start(dir);
      const [listening] = await p.nextLines(1);
      const port = /127\.0\.0\.1:(\d+)/.exec(listening ?? "")?.[1];
      if (!port) throw new Error(`no HTTP port in: ${listening}`);
      const url = `http://127.0.0.1:${port}/hooks/automation/echo`;
      const client = jsonPoster(16);
      const post = async (i: number) => {
        const t0 = process.hrtime.bigint();
        const res = await client.post(url, { i });
        if (res.status !== 200 || (res.body as { got?: { i?: number } }).got?.i !== i) errors++;
        return ms(t0);
      };
      const sixteenAtATime = async (count: number) => {
        const times: number[] = [];
        let next = 0;
        const worker = async () => {
          while (next < count) times.push(await post(next++));
        };
        await Promise.all(Array.from({ length: 16 }, worker));
        return times;
      };
      for (let i = 0; i < WEBHOOK_WARMUP; i++) await post(i);
      const seq: number[] = [];
      for (let i = 0; i < WEBHOOK_POSTS; i++) seq.push(await post(i));
      await sixteenAtATime(WEBHOOK_WARMUP);
      const con = await sixteenAtATime(WEBHOOK_POSTS);
      sequential.push(percentile(seq, 0.99));
      concurrent.push(percentile(con, 0.99));
      client.close();
      await p.close();
    });
  }
  return { sequentialP99: median(sequential), concurrentP99: median(concurrent), errors };
}

/** Start-up and memory with 0, 10 and 50 active plugins (builds cached, as after a restart). */
async function scaleFigures() {
  const out: Record<number, { startMs: number; rssMb: number }> = {};
  for (const count of [0, 10, 50]) {
    out[count] = await withTemp(async (dir) => {
      writePluginCopies(join(dir, "plugins"), count);
      const paths = count ? [join(dir, "plugins")] : [];
      await coldStart(() => startBot(join(dir, "data"), paths)); // fills the build cache
      const runs = [];
      for (let run = 0; run < RUNS; run++)
        runs.push(await coldStart(() => startBot(join(dir, "data"), paths)));
      return { startMs: median(runs.map((r) => r.ms)), rssMb: median(runs.map((r) => r.rssMb)) };
    });
  }
  return out;
}

/** `!repos install` of a copy of repos/hello from a local git repo, to its first answer; then an update of one commit. */
async function repoFigures() {
  const install: number[] = [];
  const update: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    await withTemp(async (dir) => {
      const repo = new GitRepo(join(dir, "hello"));
      const files: Record<string, string> = {};
      for (const f of ["plugin.json", "src/index.ts", "src/greetings.ts"])
        files[f] = readFileSync(join(hello, f), "utf8");
      repo.commit("hello", files);
      const p = startBot(join(dir, "data"));
      p.send("!echo ready\n");
      await p.nextLines(1);
      let t0 = process.hrtime.bigint();
      p.send(`!repos install ${repo.url}\n!hello\n!echo installed\n`);
      const installed = await p.untilLine("installed");
      if (installed.at(-1) !== "Hello, operator!")
        throw new Error(`install failed: ${installed.join(" / ")}`);
      install.push(ms(t0));
      repo.commit("Shorter", { "plugin.json": files["plugin.json"]?.replace("1.0.0", "1.0.1") ?? "" });
      t0 = process.hrtime.bigint();
      p.send("!repos update hello\n!echo updated\n");
      const updated = await p.untilLine("updated");
      if (!updated.some((l) => l.includes("1.0.1 is active")))
        throw new Error(`update failed: ${updated.join(" / ")}`);
      update.push(ms(t0));
      await p.close();
    });
  }
  return { installMs: median(install), updateMs: median(update) };
}

const bare = await echoFigures(() => startBare());
/**
 * The bare loop's start under the flag the bot needs (isolated-vm 5 on Node 20): without Node's start-up
 * snapshot, every built-in module is compiled at start.
 */
const bareNoSnapshotStarts: number[] = [];
for (let run = 0; run < RUNS; run++)
  bareNoSnapshotStarts.push((await coldStart(() => startBare(["--no-node-snapshot"]))).ms);
const bareNoSnapshotStartMs = median(bareNoSnapshotStarts);
const bot = await echoFigures((dataDir) => startBot(dataDir), true);
const sandbox = await sandboxedFigures();
const scale = await scaleFigures();
const repos = await repoFigures();
const bareHooks = await webhookFigures(() => startBareHttp());
if (bareHooks.errors > 0) throw new Error(`the bare HTTP server answered ${bareHooks.errors} posts wrongly`);
const hooks = await webhookFigures((dir) =>
  startBot(
    join(dir, "data"),
    [automation],
    ["--http-port", "0", "--webhook-rate-limit-per-minute", "1000000"],
  ),
);
const rssPerPlugin = ((scale[50]?.rssMb ?? 0) - (scale[0]?.rssMb ?? 0)) / 50;

const f = (n: number, d = 3) => n.toFixed(d);
const x = (n: number) => `${n.toFixed(1)}×`;
const check = (ok: boolean) => (ok ? "yes" : "NO");
/** figure, the limit (a bare Node loop, or what it is compared with), errand, ratio, target, met */
const rows: string[][] = [
  [
    "console round trip !echo p50 (ms)",
    f(bare.p50),
    f(bot.p50),
    x(bot.p50 / bare.p50),
    "< 0.1",
    check(bot.p50 < 0.1),
  ],
  [
    "console round trip !echo p99 (ms)",
    f(bare.p99),
    f(bot.p99),
    x(bot.p99 / bare.p99),
    "< 0.5",
    check(bot.p99 < 0.5),
  ],
  [
    "  of which the bot's own handling, p50 / p99 (ms, !status)",
    "",
    `${f(bot.ownP50 ?? 0)} / ${f(bot.ownP99 ?? 0)}`,
    "",
    "",
    "",
  ],
  [
    `throughput, ${THROUGHPUT_LINES} piped !echo (replies/s)`,
    f(bare.perSecond, 0),
    f(bot.perSecond, 0),
    `${x(bare.perSecond / bot.perSecond)} slower`,
    ">= 50000",
    check(bot.perSecond >= 50_000),
  ],
  [
    "cold start to first answer, 0 plugins (ms)",
    `${f(bare.coldStartMs, 0)} (${f(bareNoSnapshotStartMs, 0)} no snapshot)`,
    f(bot.coldStartMs, 0),
    x(bot.coldStartMs / bare.coldStartMs),
    "< 250",
    check(bot.coldStartMs < 250),
  ],
  [
    "sandboxed !hello (store get+set) p50 (ms), vs core !echo",
    `${f(sandbox.coreP50)} (!echo)`,
    f(sandbox.sandboxedP50),
    x(sandbox.sandboxedP50 / sandbox.coreP50),
    "<= 1.5×",
    check(sandbox.sandboxedP50 / sandbox.coreP50 <= 1.5),
  ],
  [
    `throughput, ${THROUGHPUT_LINES} piped !hello (replies/s)`,
    "",
    f(sandbox.storePerSecond, 0),
    "",
    ">= 5000",
    check(sandbox.storePerSecond >= 5000),
  ],
  ["!plugin activate hello round trip (ms)", "", f(sandbox.activateMs, 1), "", "", ""],
  ...[0, 10, 50].map((n, i) => {
    const target = [250, 600, 1500][i] as number;
    const s = scale[n] ?? { startMs: 0, rssMb: 0 };
    return [
      `start with ${n} active plugins: time (ms) / RSS (MiB)`,
      "",
      `${f(s.startMs, 0)} / ${f(s.rssMb, 1)}`,
      "",
      `< ${target} ms${n === 0 ? ", < 60 MiB" : ""}`,
      check(s.startMs < target && (n > 0 || s.rssMb < 60)),
    ];
  }),
  [
    "RSS per idle active plugin (MiB, slope 0→50)",
    "",
    f(rssPerPlugin, 2),
    "",
    "< 4",
    check(rssPerPlugin < 4),
  ],
  [
    "!repos install hello (local git) to first answer (ms)",
    "",
    f(repos.installMs, 0),
    "",
    "< 3000",
    check(repos.installMs < 3000),
  ],
  [
    "!repos update bringing one commit (ms)",
    "",
    f(repos.updateMs, 0),
    "",
    "< 3000",
    check(repos.updateMs < 3000),
  ],
  [
    `${WEBHOOK_POSTS} webhook POSTs, sequential: p99 (ms)`,
    `${f(bareHooks.sequentialP99, 2)} (bare HTTP)`,
    f(hooks.sequentialP99, 2),
    x(hooks.sequentialP99 / bareHooks.sequentialP99),
    "< 10",
    check(hooks.sequentialP99 < 10 && hooks.errors === 0),
  ],
  [
    `${WEBHOOK_POSTS} webhook POSTs, 16 at a time: p99 (ms); errors`,
    `${f(bareHooks.concurrentP99, 2)} (bare HTTP)`,
    `${f(hooks.concurrentP99, 2)}; ${hooks.errors}`,
    x(hooks.concurrentP99 / bareHooks.concurrentP99),
    "< 10; 0",
    check(hooks.concurrentP99 < 10 && hooks.errors === 0),
  ],
];
const header = ["figure", "limit (bare Node)", "errand", "ratio", "target", "met"];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ");
console.log(
  `median of ${RUNS} runs; ${ROUND_TRIPS} sequential round trips after ${WARMUP} warm-up; ` +
    `${WEBHOOK_POSTS} webhook POSTs after ${WEBHOOK_WARMUP} of the same pattern\n`,
);
console.log(line(header));
console.log(widths.map((w) => "-".repeat(w)).join("  "));
for (const r of rows) console.log(line(r));

const outDir = resolve(packageRoot, "bench-results");
mkdirSync(outDir, { recursive: true });
const file = join(outDir, "latest.json");
const results = {
  bare,
  bareNoSnapshotStartMs,
  bot,
  sandbox,
  scale,
  rssPerPluginMb: rssPerPlugin,
  repos,
  bareHooks,
  hooks,
};
writeFileSync(
  file,
  `${JSON.stringify({ at: new Date().toISOString(), node: process.version, runs: RUNS, results }, null, 2)}\n`,
);
console.log(`\nwritten to ${file}`);
