/** "3m 2s", "1h 4m", "12s" */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${sec}s`;
  return `${sec}s`;
}

/** A job's `color` as people say it. */
export function stateOf(color: string | undefined): string {
  if (!color) return "unknown";
  if (color.endsWith("_anime")) return `building (was ${stateOf(color.replace("_anime", ""))})`;
  const states: Record<string, string> = {
    blue: "passing",
    red: "failing",
    yellow: "unstable",
    grey: "pending",
    disabled: "disabled",
    aborted: "aborted",
    notbuilt: "never built",
  };
  return states[color] ?? color;
}

/** The presence line of Jenkins' IM plugin: bored, working, or begging for rest. */
export function executorMood(busy: number, total: number, queued: number): string {
  if (total === 0) return "No executors are online: nothing can build.";
  if (busy === 0) return `Yawn, I'm so bored… All ${total} executors are idle.`;
  if (busy >= total)
    return `Please give me some rest! All ${total} executors are busy, ${queued} job(s) in queue.`;
  return `Working: ${busy} out of ${total} executors are busy.`;
}

/** "SUCCESS" stays, others are kept as Jenkins says them; null while building. */
export function resultText(result: string | null, building: boolean): string {
  return building ? "BUILDING" : (result ?? "UNKNOWN");
}
