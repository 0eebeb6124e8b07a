import { settings } from "../config/settings.js";

/** The commented config `errand init` writes: every setting, its default, and its flag and variable. */
export function renderInitConfig(): string {
  const lines = [
    "// Errand configuration (JSON with comments).",
    "// Every key can also be given as a flag or an ERRAND_* environment variable:",
    "// flags win over the environment, which wins over this file. Relative paths are relative to this file.",
    "{",
  ];
  settings.forEach((s, i) => {
    lines.push(`  // ${s.description}.`);
    lines.push(`  // Flag --${s.flag}, environment ${s.env}.`);
    lines.push(
      `  ${JSON.stringify(s.key)}: ${JSON.stringify(s.default)}${i < settings.length - 1 ? "," : ""}`,
    );
    if (i < settings.length - 1) lines.push("");
  });
  lines.push("}");
  return `${lines.join("\n")}\n`;
}
