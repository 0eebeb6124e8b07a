/**
 * `npm run bench`: figures measured through the real CLI on a pipe, each beside a bare Node line-echo
 * loop driven by the same harness in the same run (the limit). Medians over several runs; the machine
 * is small and noisy, so read the ratios. Figures also go to bench-results/latest.json.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { packageRoot } from "../../src/paths.js";
import { GitRepo } from "../helpers/git-repo.js";
import { LineProcess } from "./line-process.js";
import { writePluginCopies } from "./plugin-copies.js";

const RUNS = 5;
const ROUND_TRIPS = 1000;
const WARMUP = 100;
const THROUGHPUT_LINES = 1000;
const node = process.execPath;
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("ERRAND_")));
const hello = resolve(packageRoot, "repos", "hello");

const startBare = () => new LineProcess(node, [resolve(packageRoot, "dist/test/bench/echo-loop.js")]);
const startBot = (dataDir: string, pluginPaths: string[] = []) =>
  new LineProcess(
    node,
    [
      "--no-node-snapshot",
      resolve(packageRoot, "dist/src/cli.js"),
      "start",
      "--data-dir",
      dataDir,
      ...(pluginPaths.length ? ["--plugin-paths", pluginPaths.join(",")] : []),
    ],
    env,
  );

const percentile = (xs: number[], q: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] as number;
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

async function throughput(p: LineProcess): Promise<number> {
  const t0 = process.hrtime.bigint();
  p.send(Array.from({ length: THROUGHPUT_LINES }, (_, i) => `!echo t${i}\n`).join(""));
  const lines = await p.nextLines(THROUGHPUT_LINES);
  if (lines.at(-1) !== `t${THROUGHPUT_LINES - 1}`) throw new Error(`bad last reply ${lines.at(-1)}`);
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

async function echoFigures(start: (dir: string) => LineProcess) {
  const p50: number[] = [];
  const p99: number[] = [];
  const rates: number[] = [];
  const starts: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    await withTemp(async (dir) => {
      starts.push((await coldStart(() => start(join(dir, "data")))).ms);
      const p = start(join(dir, "data"));
      const times = await roundTrips(p, (i) => `!echo ${i}`, String);
      p50.push(percentile(times, 0.5));
      p99.push(percentile(times, 0.99));
      rates.push(await throughput(p));
      await p.close();
    });
  }
  return { p50: median(p50), p99: median(p99), perSecond: median(rates), coldStartMs: median(starts) };
}

/** `!hello` (sandboxed, writes its store) beside `!echo` (core), in the same bot. */
async function sandboxedFigures() {
  const core: number[] = [];
  const sandboxed: number[] = [];
  const activate: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    await withTemp(async (dir) => {
      const p = startBot(join(dir, "data"), [hello]);
      core.push(median(await roundTrips(p, (i) => `!echo ${i}`, String)));
      sandboxed.push(
        median(
          await roundTrips(
            p,
            (i) => `!hello n${i}`,
            (i) => `Hello, n${i}!`,
          ),
        ),
      );
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
  return { coreP50: median(core), sandboxedP50: median(sandboxed), activateMs: median(activate) };
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
const bot = await echoFigures((dataDir) => startBot(dataDir));
const sandbox = await sandboxedFigures();
const scale = await scaleFigures();
const repos = await repoFigures();
const rssPerPlugin = ((scale[50]?.rssMb ?? 0) - (scale[0]?.rssMb ?? 0)) / 50;

const f = (n: number, d = 3) => n.toFixed(d);
const x = (n: number) => `${n.toFixed(1)}×`;
const rows: string[][] = [
  ["console round trip !echo p50 (ms)", f(bare.p50), f(bot.p50), x(bot.p50 / bare.p50)],
  ["console round trip !echo p99 (ms)", f(bare.p99), f(bot.p99), x(bot.p99 / bare.p99)],
  [
    `throughput, ${THROUGHPUT_LINES} piped !echo (replies/s)`,
    f(bare.perSecond, 0),
    f(bot.perSecond, 0),
    `${x(bare.perSecond / bot.perSecond)} slower`,
  ],
  [
    "cold start to first answer (ms)",
    f(bare.coldStartMs, 0),
    f(bot.coldStartMs, 0),
    x(bot.coldStartMs / bare.coldStartMs),
  ],
  [
    "sandboxed !hello vs core !echo, p50 (ms)",
    f(sandbox.coreP50),
    f(sandbox.sandboxedP50),
    x(sandbox.sandboxedP50 / sandbox.coreP50),
  ],
  ["!plugin activate hello round trip (ms)", "", f(sandbox.activateMs, 1), ""],
  ...[0, 10, 50].map((n) => [
    `start with ${n} plugins: time (ms) / RSS (MiB)`,
    "",
    `${f(scale[n]?.startMs ?? 0, 0)} / ${f(scale[n]?.rssMb ?? 0, 1)}`,
    "",
  ]),
  ["RSS per idle active plugin (MiB, slope 0→50)", "", f(rssPerPlugin, 2), ""],
  ["!repos install hello (local git) to first answer (ms)", "", f(repos.installMs, 0), ""],
  ["!repos update bringing one commit (ms)", "", f(repos.updateMs, 0), ""],
];
const header = ["figure", "bare loop (limit)", "errand", "ratio"];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ");
console.log(`median of ${RUNS} runs; ${ROUND_TRIPS} sequential round trips after ${WARMUP} warm-up\n`);
console.log(line(header));
console.log(widths.map((w) => "-".repeat(w)).join("  "));
for (const r of rows) console.log(line(r));

const outDir = resolve(packageRoot, "bench-results");
mkdirSync(outDir, { recursive: true });
const file = join(outDir, "latest.json");
const results = { bare, bot, sandbox, scale, rssPerPluginMb: rssPerPlugin, repos };
writeFileSync(
  file,
  `${JSON.stringify({ at: new Date().toISOString(), node: process.version, runs: RUNS, results }, null, 2)}\n`,
);
console.log(`\nwritten to ${file}`);
