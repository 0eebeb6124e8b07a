import { join } from "node:path";
import { packageRoot } from "../paths.js";
import { settings } from "./settings.js";

/** The config file's JSON Schema: one property per setting. */
export const fileSchema = {
  type: "object",
  additionalProperties: false,
  properties: Object.fromEntries([
    ["$schema", { type: "string" }],
    ...settings.map((s) => [s.key, s.schema]),
  ]),
};

/** The schema a precompiled validator was made from, as text, so a stale one is never used. */
export const fileSchemaText = JSON.stringify(fileSchema);

/** Where `npm run build` writes the precompiled validator (Ajv standalone code). */
export const precompiledValidatorFile = join(packageRoot, "dist", "config-validator.cjs");
