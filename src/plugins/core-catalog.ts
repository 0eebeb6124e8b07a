import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { CommandDoc } from "../docs/command-doc.js";
import { coreDistDir } from "../paths.js";

/** A core plugin as the build recorded it: its manifest and the docs extracted from its source. */
export interface CorePluginEntry {
  name: string;
  version: string;
  description: string;
  /** Compiled module, relative to dist/core-plugins. */
  module: string;
  docs: CommandDoc[];
  /** Exports whose runs are not recorded in history (plugin.json `notInHistory`). */
  notInHistory: string[];
}

export const coreCatalogFile = resolve(coreDistDir, "catalog.json");

/**
 * Reads the catalogue `npm run build` wrote. Docs are extracted at build time because loading the
 * TypeScript compiler at every start would cost more than the whole rest of start-up.
 */
export function loadCoreCatalog(): CorePluginEntry[] {
  try {
    return JSON.parse(readFileSync(coreCatalogFile, "utf8")) as CorePluginEntry[];
  } catch (err) {
    throw new Error(`Cannot read ${coreCatalogFile}; run \`npm run build\` first.`, { cause: err });
  }
}
