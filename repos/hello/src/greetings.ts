/** The greeting tally kept in the store: name → count. */
export type Tally = Record<string, number>;

export function addGreeting(tally: Tally, name: string): Tally {
  return { ...tally, [name]: (tally[name] ?? 0) + 1 };
}

export function describeTally(tally: Tally): string {
  const entries = Object.entries(tally).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  if (entries.length === 0) return "I have not greeted anyone yet.";
  const total = entries.reduce((sum, [, n]) => sum + n, 0);
  const top = entries
    .slice(0, 3)
    .map(([name, n]) => `${name} (${n})`)
    .join(", ");
  return `I have greeted ${total} time${total === 1 ? "" : "s"}; most often ${top}.`;
}
