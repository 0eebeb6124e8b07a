import { distance } from "fastest-levenshtein";

/**
 * The known command names closest to what was typed, best first, for "did you mean".
 * Compares the typed words with each name (and with each name's first words), so `!repo instal x`
 * finds `repos install`, and `!repos frob` finds every `repos ...` command.
 */
export function suggestCommands(typed: readonly string[], names: readonly string[], max = 3): string[] {
  const scored: { name: string; score: number }[] = [];
  for (const name of names) {
    const nameWords = name.split(" ");
    const attempt = typed.slice(0, nameWords.length).join(" ").toLowerCase();
    const d = distance(attempt, name);
    // Two edits covers a swapped pair of letters ("hepl"); very short names get one.
    const tolerance = name.length <= 3 ? 1 : Math.max(2, Math.floor(name.length / 3));
    if (d <= tolerance) scored.push({ name, score: d });
    else if (nameWords.length > 1 && typed[0]?.toLowerCase() === nameWords[0]) {
      scored.push({ name, score: tolerance + 1 });
    }
  }
  scored.sort((a, b) => a.score - b.score || a.name.localeCompare(b.name));
  return scored.slice(0, max).map((s) => s.name);
}
