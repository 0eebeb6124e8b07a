import { createHash } from "node:crypto";
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

/** Names the schema a precompiled validator was made from, so a stale one is never used. */
export const fileSchemaHash = createHash("sha256").update(JSON.stringify(fileSchema)).digest("hex");

/** Where `npm run build` writes the precompiled validator (Ajv standalone code). */
export const precompiledValidatorFile = join(packageRoot, "dist", "config-validator.cjs");
