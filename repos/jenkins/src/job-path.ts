/** "folder/sub/deploy" → "/job/folder/job/sub/job/deploy" (each name URL-encoded, as Jenkins wants). */
export function jobPath(fullName: string): string {
  return fullName
    .split("/")
    .filter((part) => part !== "")
    .map((part) => `/job/${encodeURIComponent(part)}`)
    .join("");
}

/** Does a job's full name match a pattern where * stands for anything? */
export function matchesPattern(name: string, pattern: string): boolean {
  const parts = pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${parts.join(".*")}$`, "i").test(name);
}

/** The names closest to a misspelt one: shared substrings first, then few edits. */
export function closestNames(wanted: string, names: readonly string[], max = 3): string[] {
  const w = wanted.toLowerCase();
  return names
    .map((name) => ({ name, score: similarity(w, name.toLowerCase()) }))
    .filter((s) => s.score < Math.max(3, w.length / 2))
    .sort((a, b) => a.score - b.score || a.name.localeCompare(b.name))
    .slice(0, max)
    .map((s) => s.name);
}

function similarity(a: string, b: string): number {
  const base = b.split("/").pop() ?? b;
  if (b.includes(a) || base.includes(a)) return 0;
  return Math.min(editDistance(a, b), editDistance(a, base));
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(
        (prev[j] ?? 0) + 1,
        (row[j - 1] ?? 0) + 1,
        (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}
