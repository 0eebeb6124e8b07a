import assert from "node:assert/strict";
import { renderUsage } from "../../src/cli/usage.js";
import { settings } from "../../src/config/settings.js";

/** The usage rows: a left column (command or flag), then its text; continuation lines belong to the row above. */
function parseRows(usage: string): { left: string; text: string }[] {
  const rows: { left: string; text: string }[] = [];
  for (const line of usage.split("\n")) {
    if (!line.startsWith("  ")) continue;
    const m = /^ {2}(\S+(?: \S+)*)(?: {2,}(\S.*))?$/.exec(line);
    const last = rows.at(-1);
    if (/^ {3,}\S/.test(line) && last) last.text = `${last.text} ${line.trim()}`.trim();
    else if (m) rows.push({ left: m[1] as string, text: m[2] ?? "" });
    else assert.fail(`a row runs its left column into its text: ${JSON.stringify(line)}`);
  }
  return rows;
}

describe("renderUsage", () => {
  const usage = renderUsage();
  const rows = parseRows(usage);

  it("keeps at least two spaces between every flag and its description, however long the flag", () => {
    for (const s of settings) {
      const row = rows.find((r) => r.left.startsWith(`--${s.flag} `));
      assert.ok(row, `--${s.flag} has its own row`);
      assert.equal(row.text, `${s.description} (${s.env})`, `--${s.flag}`);
    }
  });

  it("fits an 80-column terminal", () => {
    for (const line of usage.split("\n")) assert.ok(line.length <= 80, `${line.length}: ${line}`);
  });

  it("lists every command", () => {
    for (const command of ["start", "init", "docs", "new-plugin", "help,", "--version"])
      assert.ok(
        rows.some((r) => r.left.split(" ")[0] === command),
        command,
      );
  });
});
