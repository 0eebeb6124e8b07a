import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import semver from "semver";
import { hostVersion, packageRoot } from "../paths.js";
import { loadCoreCatalog } from "../plugins/core-catalog.js";
import { initPluginRepo, type PluginRepoOutcome } from "./init-plugin-repo.js";

export interface ScaffoldedPlugin {
  dir: string;
  name: string;
  /** The example command's words, named after the plugin. */
  command: string;
  repo: PluginRepoOutcome;
}

/**
 * `errand new-plugin DIR`: a plugin repo with one TSDoc-documented command and a passing test, ready
 * for `npm test` (no install needed: node_modules/errand links to this Errand) and, once committed (done
 * here when git can), for `!repos install file://DIR`.
 */
export function scaffoldPlugin(target: string): ScaffoldedPlugin {
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
  const command = exampleCommand(name);
  const fn = functionName(command);
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
 * Greets you, or whoever you name: an example to make your own. This comment is the command's help:
 * \`!help ${command}\`.
 * @param name - who to greet (default: you)
 * @example !${command}
 * @example !${command} Ada
 * @command ${command}
 */
export function ${fn}(ctx: Context, name?: string): string {
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

test("!${command} greets the sender", async () => {
  assert.equal(await bot.ask("!${command}"), "Hello, operator!");
});

test("!${command} greets whoever is named", async () => {
  assert.equal(await bot.ask("!${command} Ada", { as: "bob", room: "ops" }), "Hello, Ada!");
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
- \`errand\` is not on npm: \`package.json\` takes it from the Errand checkout that made this plugin
  (\`file:${packageRoot}\`). Elsewhere, point it at your own checkout (built by its \`npm ci\`):
  \`npm install --save-dev /path/to/errand\`.
- Install it from chat: \`!repos install ${pathToFileURL(dir).href}\` (or the URL you push it to).
  The bot installs what is committed: commit your changes first.
- Every exported function of \`src/index.ts\` is a command; its TSDoc comment is its help.
`,
  };
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(join(dir, file, ".."), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  mkdirSync(join(dir, "node_modules"), { recursive: true });
  symlinkSync(packageRoot, join(dir, "node_modules", "errand"), "dir");
  const repo = initPluginRepo(dir, `New Errand plugin ${name} (errand new-plugin)`);
  return { dir, name, command, repo };
}

/**
 * Named after the plugin, so that it cannot clash with `!hello` of the first-party example; unless a built-in
 * or first-party command already starts with that word (a plugin named "echo" gets `!my-echo`).
 */
function exampleCommand(name: string): string {
  const taken = new Set(
    [...loadCoreCatalog().flatMap((p) => p.docs.map((d) => d.command)), ...firstPartyCommands()].map(
      (c) => c.split(" ")[0],
    ),
  );
  return taken.has(name) ? `my-${name}` : name;
}

function firstPartyCommands(): string[] {
  try {
    const index = JSON.parse(readFileSync(join(packageRoot, "repos", "index.json"), "utf8")) as {
      repos: { commands?: string[] }[];
    };
    return index.repos.flatMap((r) => r.commands ?? []);
  } catch {
    return [];
  }
}

// Words that cannot name a function in an ES module. The chat name comes from @command, so any name works.
const RESERVED = new Set(
  (
    "await break case catch class const continue debugger default delete do else enum export extends false " +
    "finally for function if implements import in instanceof interface let new null package private " +
    "protected public return static super switch this throw true try typeof var void while with yield"
  ).split(" "),
);

/** "deploy-tools" → "deployTools". */
function functionName(command: string): string {
  const camel = command.replace(/-+([a-z0-9])/g, (_, c: string) => c.toUpperCase()).replace(/-/g, "");
  return RESERVED.has(camel) ? `${camel}Command` : camel;
}

/** What `errand new-plugin` says it made, and what to do next. */
export function describeScaffold({ dir, name, command, repo }: ScaffoldedPlugin): string {
  const commitCommand = 'git add -A && git commit -m "First version"';
  const created = `Created plugin ${name} in ${dir}`;
  const next = `Next: cd ${dir} && npm test; then edit src/index.ts (its example command is !${command})`;
  const install = `install it from chat with !repos install ${pathToFileURL(dir).href}`;
  switch (repo.kind) {
    case "committed":
      return `${created}: a git repo with a first commit.\n${next}, commit, and ${install}`;
    case "uncommitted":
      return [
        `${created}: a git repo, not committed: ${repo.why}.`,
        repo.noIdentity
          ? `Tell git who you are (git config --global user.name "Your Name"; git config --global user.email you@example.com), then commit: ${commitCommand}`
          : `Commit it yourself: ${commitCommand}`,
        `${next}, commit, and ${install}`,
      ].join("\n");
    case "none":
      return [
        `${created}, not a git repo: ${repo.why}.`,
        `!repos install takes a git repo: git init && ${commitCommand}`,
        `${next}, commit, and ${install}`,
      ].join("\n");
    case "inside":
      return `${created}, inside the git repo ${repo.top}; commit it there.\n${next}.`;
  }
}
