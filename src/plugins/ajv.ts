import { createRequire } from "node:module";
import type { Ajv as AjvClass, Options } from "ajv";

const require = createRequire(import.meta.url);

/**
 * A new Ajv, loaded on first use: Ajv and its code generator cost about 100 ms at start-up, which a
 * bot with no config file and no plugins should not pay. (Synchronous, as config loading is.)
 */
export function createAjv(options: Options): AjvClass {
  const { Ajv } = require("ajv") as typeof import("ajv");
  return new Ajv(options);
}

/** Adds the standard formats (uri, email...) of ajv-formats. */
export function addFormats(ajv: AjvClass): void {
  const add = require("ajv-formats") as { default?: (a: AjvClass) => void } & ((a: AjvClass) => void);
  (add.default ?? add)(ajv);
}
