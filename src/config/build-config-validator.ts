/**
 * Build step (`npm run build`): compiles the config schema into standalone validation code
 * (dist/config-validator.cjs), so that start-up validates flags and the config file without loading
 * and running Ajv's code generator (about 70 ms of every start).
 */
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createAjv } from "../plugins/ajv.js";
import { fileSchema, fileSchemaText, precompiledValidatorFile } from "./config-schema.js";

const require = createRequire(import.meta.url);
const standaloneCode = require("ajv/dist/standalone").default as (
  ajv: ReturnType<typeof createAjv>,
  validate: unknown,
) => string;

const ajv = createAjv({ allErrors: true, code: { source: true } });
const code = standaloneCode(ajv, ajv.compile(fileSchema));
writeFileSync(
  precompiledValidatorFile,
  `${code}\nmodule.exports.schemaText = ${JSON.stringify(fileSchemaText)};\n`,
);
