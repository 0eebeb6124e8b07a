import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The package root: this file is compiled to dist/src/paths.js. */
export const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Compiled core plugins and their extracted docs live here. */
export const coreDistDir = resolve(packageRoot, "dist", "core-plugins");

export const hostVersion: string = JSON.parse(
  readFileSync(resolve(packageRoot, "package.json"), "utf8"),
).version;
