import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { hostVersion } from "../paths.js";
import { loadManifest } from "../plugins/manifest.js";
import { extractDocs } from "./extract-docs.js";
import type { DocumentedPlugin } from "./render-markdown.js";

/** The docs of every plugin under the given folders (as `--plugin-paths` finds them), read from source. */
export function documentPluginPaths(paths: readonly string[]): DocumentedPlugin[] {
  return paths.flatMap((path) => {
    const dirs = existsSync(join(path, "plugin.json"))
      ? [path]
      : readdirSync(path, { withFileTypes: true })
          .filter((d) => d.isDirectory() && existsSync(join(path, d.name, "plugin.json")))
          .map((d) => join(path, d.name));
    return dirs.map((dir) => {
      const m = loadManifest(dir, hostVersion);
      return {
        name: m.name,
        description: m.description,
        docs: extractDocs(`${m.name}/${m.main}`, readFileSync(join(dir, m.main), "utf8")),
      };
    });
  });
}
