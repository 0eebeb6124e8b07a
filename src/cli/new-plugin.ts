import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import semver from "semver";
import { hostVersion, packageRoot } from "../paths.js";

/**
 * `errand new-plugin DIR`: a plugin repo with one TSDoc-documented command and a passing test, ready
 * for `npm test` (no install needed: node_modules/errand links to this Errand) and for
 * `!repos install`.
 */
export function scaffoldPlugin(target: string): { dir: string; name: string } {
  const dir = resolve(target);
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw new Error(`${dir} is not empty; choose a new folder for the plugin.`);
  }
  const name =
    basename(dir)
      .toLowerCase()
      .replace(/^errand-plugin-/, "")
      .replace(/[^a-z0-9-]+/g, "-")
      .replace(/^[^a-z]+/, "")
      .slice(0, 40) || "my-plugin";
  const files: Record<string, string> = {
    "plugin.json": `${JSON.stringify(
      {
        name,
        version: "0.1.0",
        description: `What ${name} does, in one line`,
        main: "src/index.ts",
        errand: `^${semver.major(hostVersion)}.0.0`,
        permissions: {},
        config: {
          type: "object",
          properties: { greeting: { type: "string", default: "Hello", description: "how to greet" } },
        },
      },
      null,
      2,
    )}\n`,
    "src/index.ts": `import type { Context } from "errand/plugin";

/**
 * Greets you, or whoever you name. This comment is the command's help: \`!help hello\`.
 * @param name - who to greet (default: you)
 * @example !hello
 * @example !hello Ada
 */
export function hello(ctx: Context, name?: string): string {
  return \`\${ctx.config.greeting}, \${name ?? ctx.user.name}!\`;
}
`,
    "test/plugin.test.mjs": `import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { loadPlugin } from "errand/testing";

let bot;
before(async () => {
  bot = await loadPlugin(fileURLToPath(new URL("..", import.meta.url)));
});
after(() => bot.close());

test("hello greets the sender", async () => {
  assert.equal(await bot.ask("!hello"), "Hello, operator!");
});

test("hello greets whoever is named", async () => {
  assert.equal(await bot.ask("!hello Ada", { as: "bob", room: "ops" }), "Hello, Ada!");
});
`,
    "package.json": `${JSON.stringify(
      {
        name: `errand-plugin-${name}`,
        version: "0.1.0",
        private: true,
        type: "module",
        scripts: { test: "node --no-node-snapshot --test test/" },
        devDependencies: { errand: `file:${packageRoot}` },
      },
      null,
      2,
    )}\n`,
    "tsconfig.json": `${JSON.stringify(
      {
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          noEmit: true,
        },
        include: ["src"],
      },
      null,
      2,
    )}\n`,
    ".gitignore": "node_modules/\n",
    "README.md": `# ${name}

An [Errand](${packageRoot}) plugin.

- \`npm test\` runs its tests in a real sandbox (\`errand/testing\`).
- Install it from chat: commit, then \`!repos install file://${dir}\` (or the URL you push it to).
- Every exported function of \`src/index.ts\` is a command; its TSDoc comment is its help.
`,
  };
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(join(dir, file, ".."), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  mkdirSync(join(dir, "node_modules"), { recursive: true });
  symlinkSync(packageRoot, join(dir, "node_modules", "errand"), "dir");
  return { dir, name };
}
