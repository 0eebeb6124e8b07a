import { configFlag, settings } from "../config/settings.js";

const width = 80;
const textColumn = 30;
const indent = " ".repeat(textColumn);

/**
 * One row: the left column, then its text at column 30, word-wrapped to 80 columns. A left column too long
 * to leave two spaces before the text gets a line of its own.
 */
function row(left: string, text: string): string {
  const head = `  ${left}`;
  const [first = "", ...rest] = wrap(text, width - textColumn);
  const more = rest.map((line) => indent + line);
  if (head.length + 2 > textColumn) return [head, indent + first, ...more].join("\n");
  return [head.padEnd(textColumn) + first, ...more].join("\n");
}

function wrap(text: string, columns: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && line.length + 1 + word.length > columns) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  return [...lines, line];
}

export function renderUsage(): string {
  return [
    "Usage: errand <command> [flags]",
    "",
    "Commands:",
    row("start [flags]", "start the bot (console backend by default: type commands on stdin)"),
    row("init [--config FILE]", "write a commented config file and create the data directory"),
    row("docs [--out FILE]", "write the Markdown reference of every command"),
    row("new-plugin DIR", "scaffold a plugin repo with a documented command and a passing test"),
    row("help, --help", "this text"),
    row("--version", "the version"),
    "",
    "Flags of start (each also an environment variable, or a key in the config file):",
    row(
      `--${configFlag.flag} FILE`,
      `JSON config (default ${configFlag.defaultFile} if present; ${configFlag.env})`,
    ),
    ...settings.map((s) =>
      row(
        `--${s.flag} ${s.type === "list" ? "A,B" : s.type === "json" ? "JSON" : "VALUE"}`,
        `${s.description} (${s.env})`,
      ),
    ),
    "",
  ].join("\n");
}
