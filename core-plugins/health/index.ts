import type { HandlingSummary } from "../../src/commands/handling-times.js";
import type { CoreContext } from "../../src/plugins/core-context.js";

/**
 * Shows how the bot is doing: version, uptime, backend, plugins, memory, how long it took over the
 * last 1,000 messages it acted on (p50 and p99, from taking a message up until it has handed over its
 * answer; on Slack, posting it included), and how many others it is handling now, the oldest for how
 * long. Scheduled commands, timers and webhooks are not counted.
 * @example !status
 */
export function status(ctx: CoreContext): string {
  const { host } = ctx;
  const plugins = host.plugins();
  const active = plugins.filter((p) => p.state === "active");
  const mem = process.memoryUsage();
  return [
    `Errand ${host.version}, up ${formatDuration(Date.now() - host.startedAt.getTime())}, on ${host.backendName}.`,
    `Plugins: ${active.length} active of ${plugins.length} (${active.map((p) => p.name).join(", ")}).`,
    `Memory: ${mib(mem.rss)} MiB resident, heap ${mib(mem.heapUsed)} of ${mib(mem.heapTotal)} MiB.`,
    handling(host.handlingTimes(ctx.message)),
  ].join("\n");
}

// The bot's own part of an answer's delay (see HandlingTimes for what it covers).
function handling(times: HandlingSummary): string {
  // Three significant digits or so: "0.031", "1.25", "12.5", "250".
  const ms = (n: number) => n.toFixed(n < 1 ? 3 : n < 10 ? 2 : n < 100 ? 1 : 0);
  const done =
    times.count === 0
      ? "Handling: no messages yet."
      : `Handling: p50 ${ms(times.p50Ms)} ms, p99 ${ms(times.p99Ms)} ms, over the last ${times.count} ` +
        `message${times.count === 1 ? "" : "s"} it acted on (from taking one up to handing over its answer).`;
  if (times.inProgress === 0) return done;
  const others = times.inProgress === 1 ? "1 other message" : `${times.inProgress} other messages`;
  const age = times.oldestInProgressMs;
  return `${done} In progress now: ${others}, the oldest for ${age < 1000 ? `${Math.round(age)} ms` : formatDuration(age)}.`;
}

/**
 * Shows how long the bot has been running.
 * @example !uptime
 */
export function uptime(ctx: CoreContext): string {
  const since = ctx.host.startedAt;
  return `Up ${formatDuration(Date.now() - since.getTime())}, since ${since.toISOString()}.`;
}

/**
 * Shows which Errand this is: version, Node.js and backend.
 * @example !about
 */
export function about(ctx: CoreContext): string {
  return (
    `Errand ${ctx.host.version}: a ChatOps bot that manages itself from chat. ` +
    `Node.js ${process.version}, backend ${ctx.host.backendName}. Type \`${ctx.host.prefix}help\` to begin.`
  );
}

// "3d 4h", "2m 3s", "12s"
function formatDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  const parts: [number, string][] = [
    [Math.floor(s / 86400), "d"],
    [Math.floor((s % 86400) / 3600), "h"],
    [Math.floor((s % 3600) / 60), "m"],
    [s % 60, "s"],
  ];
  const first = parts.findIndex(([n]) => n > 0);
  if (first === -1) return "0s";
  return parts
    .slice(first, first + 2)
    .filter(([n]) => n > 0)
    .map(([n, u]) => `${n}${u}`)
    .join(" ");
}

function mib(bytes: number): number {
  return Math.round(bytes / 1024 / 1024);
}
