/**
 * `npm run bench`: the console round trip and throughput of `!echo` through the real CLI on a pipe,
 * each beside a bare Node line-echo loop driven by the same harness in the same run.
 * Medians over several runs; the machine is small and noisy, so read the ratios.
 * Figures also go to bench-results/latest.json for comparison between commits.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { packageRoot } from "../../src/paths.js";
import { LineProcess } from "./line-process.js";

const RUNS = 5;
const ROUND_TRIPS = 1000;
const WARMUP = 100;
const THROUGHPUT_LINES = 1000;

interface Target {
  name: string;
  start(dataDir: string): LineProcess;
}

const node = process.execPath;
const targets: Target[] = [
  {
    name: "bare node echo loop (limit)",
    start: () => new LineProcess(node, [resolve(packageRoot, "dist/test/bench/echo-loop.js")]),
  },
  {
    name: "errand console, !echo",
    start: (dataDir) =>
      new LineProcess(
        node,
        ["--no-node-snapshot", resolve(packageRoot, "dist/src/cli.js"), "start", "--data-dir", dataDir],
        {
          ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("ERRAND_"))),
        },
      ),
  },
];

async function roundTrips(p: LineProcess): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < WARMUP + ROUND_TRIPS; i++) {
    const t0 = process.hrtime.bigint();
    p.send(`!echo ${i}\n`);
    const [line] = await p.nextLines(1);
    const t1 = process.hrtime.bigint();
    if (line !== String(i)) throw new Error(`expected ${i}, got ${line}`);
    if (i >= WARMUP) times.push(Number(t1 - t0) / 1e6);
  }
  return times;
}

async function throughput(p: LineProcess): Promise<number> {
  const batch = Array.from({ length: THROUGHPUT_LINES }, (_, i) => `!echo t${i}\n`).join("");
  const t0 = process.hrtime.bigint();
  p.send(batch);
  const lines = await p.nextLines(THROUGHPUT_LINES);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (lines.at(-1) !== `t${THROUGHPUT_LINES - 1}`) throw new Error(`bad last reply ${lines.at(-1)}`);
  return THROUGHPUT_LINES / seconds;
}

async function coldStart(target: Target, dataDir: string): Promise<number> {
  const t0 = process.hrtime.bigint();
  const p = target.start(dataDir);
  p.send("!echo ready\n");
  await p.nextLines(1);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  await p.close();
  return ms;
}

const percentile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] as number;
};
const median = (xs: number[]) => percentile(xs, 0.5);

async function measure(target: Target) {
  const p50: number[] = [];
  const p99: number[] = [];
  const rates: number[] = [];
  const starts: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const dir = mkdtempSync(join(tmpdir(), "errand-bench-"));
    try {
      starts.push(await coldStart(target, join(dir, "data")));
      const p = target.start(join(dir, "data"));
      const times = await roundTrips(p);
      p50.push(percentile(times, 0.5));
      p99.push(percentile(times, 0.99));
      rates.push(await throughput(p));
      await p.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return { p50: median(p50), p99: median(p99), perSecond: median(rates), coldStartMs: median(starts) };
}

const results: Record<string, Awaited<ReturnType<typeof measure>>> = {};
for (const t of targets) results[t.name] = await measure(t);

const [limit, bot] = targets.map((t) => results[t.name]) as [
  Awaited<ReturnType<typeof measure>>,
  Awaited<ReturnType<typeof measure>>,
];
const fmt = (n: number, digits = 3) => n.toFixed(digits);
const rows: [string, string, string, string][] = [
  ["console round trip p50 (ms)", fmt(limit.p50), fmt(bot.p50), `${fmt(bot.p50 / limit.p50, 1)}×`],
  ["console round trip p99 (ms)", fmt(limit.p99), fmt(bot.p99), `${fmt(bot.p99 / limit.p99, 1)}×`],
  [
    `throughput, ${THROUGHPUT_LINES} piped (replies/s)`,
    fmt(limit.perSecond, 0),
    fmt(bot.perSecond, 0),
    `${fmt(limit.perSecond / bot.perSecond, 1)}× slower`,
  ],
  [
    "cold start to first answer (ms)",
    fmt(limit.coldStartMs, 0),
    fmt(bot.coldStartMs, 0),
    `${fmt(bot.coldStartMs / limit.coldStartMs, 1)}×`,
  ],
];
const header: [string, string, string, string] = ["figure", "bare loop (limit)", "errand", "ratio"];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ");
console.log(`median of ${RUNS} runs; ${ROUND_TRIPS} sequential round trips after ${WARMUP} warm-up\n`);
console.log(line(header));
console.log(widths.map((w) => "-".repeat(w)).join("  "));
for (const r of rows) console.log(line(r));

const outDir = resolve(packageRoot, "bench-results");
mkdirSync(outDir, { recursive: true });
const file = join(outDir, "latest.json");
writeFileSync(
  file,
  `${JSON.stringify({ at: new Date().toISOString(), node: process.version, runs: RUNS, results }, null, 2)}\n`,
);
console.log(`\nwritten to ${file}`);
