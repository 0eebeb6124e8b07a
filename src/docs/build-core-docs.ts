/**
 * Build step (`npm run build`): extracts the docs of every core plugin into dist/core-plugins/catalog.json.
 * A core command without a summary fails the build, the same rule a sandboxed plugin meets at install.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { coreDistDir, packageRoot } from "../paths.js";
import { type CorePluginEntry, coreCatalogFile } from "../plugins/core-catalog.js";
import { extractDocs } from "./extract-docs.js";

const coreSrcDir = resolve(packageRoot, "core-plugins");

function buildCatalog(): CorePluginEntry[] {
  return readdirSync(coreSrcDir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .map((dir) => {
      const manifest = JSON.parse(readFileSync(join(coreSrcDir, dir, "plugin.json"), "utf8"));
      const mainFile = join(coreSrcDir, dir, manifest.main);
      const fileName = relative(packageRoot, mainFile);
      return {
        name: manifest.name,
        version: manifest.version,
        description: manifest.description,
        module: `${dir}/${manifest.main.replace(/\.ts$/, ".js")}`,
        docs: extractDocs(fileName, readFileSync(mainFile, "utf8")),
        notInHistory: manifest.notInHistory ?? [],
      };
    });
}

try {
  mkdirSync(coreDistDir, { recursive: true });
  writeFileSync(coreCatalogFile, `${JSON.stringify(buildCatalog(), null, 2)}\n`);
} catch (err) {
  console.error(`build-core-docs: ${(err as Error).message}`);
  process.exit(1);
}
