import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { builtinModules } from "node:module";
import { join, relative } from "node:path";
import type * as esbuild from "esbuild";
import type { CommandDoc } from "../docs/command-doc.js";
import { BuildError } from "../errors.js";
import { hostVersion } from "../paths.js";
import type { PluginManifest } from "../plugins/manifest.js";
import { sha256 } from "../util/lazy-crypto.js";

export interface PluginBuild {
  /** One script for the isolate; it sets `__errandPlugin` to the module's exports. */
  code: string;
  docs: CommandDoc[];
  /** Hash of the sources it was built from. */
  hash: string;
}

export const BUNDLE_GLOBAL = "__errandPlugin";
const MAX_BUNDLE_BYTES = 8 * 1024 * 1024;
const NODE_BUILTINS = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

/**
 * Builds a plugin folder into one script plus its command docs. Results are cached in `cacheDir` by a
 * hash of the sources, so a restart does not pay for esbuild and the TypeScript compiler again.
 */
export async function buildPlugin(
  dir: string,
  manifest: PluginManifest,
  cacheDir: string,
): Promise<PluginBuild> {
  const hash = hashSources(dir);
  const cached = join(cacheDir, manifest.name, hash);
  if (existsSync(join(cached, "docs.json"))) {
    return {
      code: readFileSync(join(cached, "bundle.js"), "utf8"),
      docs: JSON.parse(readFileSync(join(cached, "docs.json"), "utf8")) as CommandDoc[],
      hash,
    };
  }
  const mainFile = join(dir, manifest.main);
  // Loaded on a cache miss only: the TypeScript compiler and esbuild cost more memory and start-up
  // time than the rest of the bot together.
  const { extractDocs } = await import("../docs/extract-docs.js");
  const docs = extractDocs(`${manifest.name}/${manifest.main}`, readFileSync(mainFile, "utf8"));
  const code = await bundle(dir, mainFile, manifest.name);
  // Write beside, then rename: a crash mid-write never leaves a half cache entry that looks whole.
  const temp = `${cached}.tmp-${process.pid}`;
  mkdirSync(temp, { recursive: true });
  writeFileSync(join(temp, "bundle.js"), code);
  writeFileSync(join(temp, "docs.json"), JSON.stringify(docs));
  rmSync(cached, { recursive: true, force: true });
  renameSync(temp, cached);
  return { code, docs, hash };
}

async function bundle(dir: string, mainFile: string, name: string): Promise<string> {
  const esbuild = await import("esbuild");
  let result: esbuild.BuildResult & { outputFiles: esbuild.OutputFile[] };
  try {
    result = await esbuild.build({
      entryPoints: [mainFile],
      absWorkingDir: dir,
      bundle: true,
      write: false,
      format: "iife",
      globalName: BUNDLE_GLOBAL,
      platform: "neutral",
      mainFields: ["module", "main"],
      target: "es2022",
      logLevel: "silent",
      plugins: [sandboxImports],
    });
  } catch (err) {
    const first = (err as esbuild.BuildFailure).errors?.[0];
    const where = first?.location
      ? `${relative(dir, join(dir, first.location.file))}:${first.location.line}: `
      : "";
    const text = first ? nicerBuildMessage(first.text) : (err as Error).message;
    throw new BuildError(`Plugin ${name} does not build: ${where}${text}`, { cause: err });
  }
  const code = result.outputFiles[0]?.text ?? "";
  if (code.length > MAX_BUNDLE_BYTES) {
    throw new BuildError(
      `Plugin ${name} bundles to ${Math.round(code.length / 1024)} KiB; the limit is 8 MiB.`,
    );
  }
  return code;
}

/** Imports the sandbox cannot honour become build errors that say why, instead of failing at run time. */
const sandboxImports: esbuild.Plugin = {
  name: "errand-sandbox-imports",
  setup(build) {
    build.onResolve({ filter: /^errand(\/.*)?$/ }, (args) => ({
      path: args.path,
      namespace: "errand-types",
    }));
    build.onLoad({ filter: /.*/, namespace: "errand-types" }, () => ({
      contents: "export {};",
      loader: "js",
    }));
    build.onResolve({ filter: /^(node:)?[a-z_/]+$/ }, (args) =>
      NODE_BUILTINS.has(args.path)
        ? {
            errors: [
              {
                text:
                  `"${args.path}" is a Node.js module, and plugins run in a sandbox without Node.js: ` +
                  "use ctx.http for HTTP and ctx.store for data.",
              },
            ],
          }
        : undefined,
    );
  },
};

function nicerBuildMessage(text: string): string {
  if (/No loader is configured for "\.node" files/.test(text)) {
    return `${text}: native modules cannot run in the sandbox; use a pure-JavaScript package instead.`;
  }
  return text;
}

/** A hash of the plugin's own files and its lock file. */
function hashSources(dir: string): string {
  const hash = sha256();
  // A new host may bundle or document differently: its builds never reuse an older host's.
  hash.update(`errand ${hostVersion}\0`);
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      // Dot-folders (.git, caches) and dependencies (pinned by the lock file) do not change the build.
      if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
      const p = join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.isFile() && statSync(p).size < 16 * 1024 * 1024) {
        hash.update(relative(dir, p));
        hash.update(readFileSync(p));
      }
    }
  };
  walk(dir);
  return hash.digest("hex").slice(0, 16);
}
