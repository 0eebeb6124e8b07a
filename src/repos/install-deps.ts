import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import { RepoError } from "../errors.js";

/**
 * Installs a plugin's npm dependencies into its own folder with install scripts disabled (no code of
 * theirs runs on the bot's machine), then refuses native modules, which cannot run in a sandbox.
 */
export async function installDependencies(pluginDir: string, plugin: string): Promise<void> {
  const pkgFile = join(pluginDir, "package.json");
  if (!existsSync(pkgFile)) return;
  const pkg = JSON.parse(readFileSync(pkgFile, "utf8")) as { dependencies?: Record<string, string> };
  if (!pkg.dependencies || Object.keys(pkg.dependencies).length === 0) return;
  const command = existsSync(join(pluginDir, "package-lock.json")) ? "ci" : "install";
  // Loaded here, not at start-up, where it would cost about 5 ms for nothing.
  const { execFile } = await import("node:child_process");
  try {
    await promisify(execFile)(
      "npm",
      [command, "--ignore-scripts", "--omit=dev", "--no-audit", "--no-fund", "--loglevel=error"],
      {
        cwd: pluginDir,
        timeout: 300_000,
        env: { ...process.env, npm_config_ignore_scripts: "true" },
      },
    );
  } catch (err) {
    const stderr = String((err as { stderr?: string }).stderr ?? "")
      .trim()
      .split("\n")
      .slice(-3)
      .join(" ");
    throw new RepoError(`Plugin ${plugin}: npm ${command} failed: ${stderr || (err as Error).message}`, {
      cause: err,
    });
  }
  const native = findNativeModule(join(pluginDir, "node_modules"));
  if (native) {
    throw new RepoError(
      `Plugin ${plugin} depends on ${native}, a native module: plugins run in a sandbox without Node.js, ` +
        "so only pure-JavaScript dependencies work. Use a pure-JavaScript alternative.",
    );
  }
}

/** The first package under node_modules that builds or ships native code, as "name (why)". */
function findNativeModule(nodeModules: string): string | null {
  if (!existsSync(nodeModules)) return null;
  const stack = [nodeModules];
  const seen = new Set<string>();
  while (stack.length > 0) {
    const dir = stack.pop() as string;
    // npm links `file:` dependencies: follow links, once each.
    const real = realpathSync(dir);
    if (seen.has(real)) continue;
    seen.add(real);
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, entry.name);
      const isDir =
        entry.isDirectory() ||
        (entry.isSymbolicLink() && statSync(p, { throwIfNoEntry: false })?.isDirectory());
      if (isDir) stack.push(p);
      else if (entry.name === "binding.gyp" || entry.name.endsWith(".node")) {
        return `${packageOf(nodeModules, p)} (${entry.name})`;
      } else if (entry.name === "package.json") {
        const pkg = JSON.parse(readFileSync(p, "utf8")) as { gypfile?: boolean };
        if (pkg.gypfile) return `${packageOf(nodeModules, p)} (gypfile)`;
      }
    }
  }
  return null;
}

function packageOf(nodeModules: string, file: string): string {
  const parts = relative(nodeModules, file).split("/");
  return parts[0]?.startsWith("@") ? `${parts[0]}/${parts[1]}` : (parts[0] ?? file);
}
