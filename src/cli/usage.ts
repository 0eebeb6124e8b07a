import { configFlag, settings } from "../config/settings.js";

const row = (left: string, right: string) => `  ${left.padEnd(28)}${right}`;

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
