import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";

/** A real git repository in a folder, written to by the test: commits, tags, branches. */
export class GitRepo {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
    mkdirSync(dir, { recursive: true });
    this.git("init", "--quiet", "--initial-branch=main");
    this.git("config", "user.email", "author@example.test");
    this.git("config", "user.name", "Plugin Author");
    this.git("config", "commit.gpgsign", "false");
  }

  get url(): string {
    return pathToFileURL(this.dir).href;
  }

  /** Writes the files (null deletes one) and commits them; returns the commit id. */
  commit(message: string, files: Record<string, string | null>): string {
    for (const [path, text] of Object.entries(files)) {
      const full = join(this.dir, path);
      if (text === null) rmSync(full, { force: true });
      else {
        mkdirSync(dirname(full), { recursive: true });
        writeFileSync(full, text);
      }
    }
    this.git("add", "--all");
    this.git("commit", "--quiet", "--allow-empty", "-m", message);
    return this.head();
  }

  tag(name: string): void {
    this.git("tag", name);
  }

  checkout(branch: string, create = false): void {
    this.git("checkout", "--quiet", ...(create ? ["-b"] : []), branch);
  }

  head(): string {
    return this.git("rev-parse", "HEAD").trim();
  }

  git(...args: string[]): string {
    return execFileSync("git", args, {
      cwd: this.dir,
      encoding: "utf8",
      env: { ...process.env, GIT_CONFIG_GLOBAL: "/dev/null" },
    });
  }
}

/** plugin.json and a one-command index.ts: `!NAME` answers `reply`. */
export function pluginFiles(
  name: string,
  reply: string,
  extra: {
    permissions?: Record<string, unknown>;
    errand?: string;
    version?: string;
    command?: string;
    dir?: string;
  } = {},
): Record<string, string> {
  const prefix = extra.dir ? `${extra.dir}/` : "";
  const command = extra.command ?? name;
  return {
    [`${prefix}plugin.json`]: JSON.stringify({
      name,
      version: extra.version ?? "1.0.0",
      description: `The ${name} plugin`,
      main: "index.ts",
      errand: extra.errand ?? "^1.0.0",
      permissions: extra.permissions ?? {},
      config: { type: "object", properties: { url: { type: "string" } } },
    }),
    [`${prefix}index.ts`]: `/**\n * Answers with a fixed text.\n * @command ${command}\n */\nexport async function answer(ctx: { store: { get(k: string): Promise<unknown>; set(k: string, v: unknown): Promise<void> } }): Promise<string> {\n  await ctx.store.set("last", ${JSON.stringify(reply)});\n  return ${JSON.stringify(reply)};\n}\n`,
  };
}
