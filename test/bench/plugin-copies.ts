import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Writes `count` small distinct plugins (own names and commands) under `dir`, like installed ones. */
export function writePluginCopies(dir: string, count: number): void {
  for (let i = 0; i < count; i++) {
    const p = join(dir, `bench-${i}`);
    mkdirSync(p, { recursive: true });
    writeFileSync(
      join(p, "plugin.json"),
      JSON.stringify({
        name: `bench-${i}`,
        version: "1.0.0",
        description: `bench plugin ${i}`,
        main: "index.ts",
        errand: "^1.0.0",
      }),
    );
    writeFileSync(
      join(p, "index.ts"),
      `/**\n * Answers with its number.\n * @command bench ${i}\n */\nexport function bench(): string {\n  return "bench ${i}";\n}\n`,
    );
  }
}
