import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, isAbsolute, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { ValidateFunction } from "ajv";
import type { ParseError } from "jsonc-parser";
import { ConfigError } from "../errors.js";
import { createAjv } from "../plugins/ajv.js";
import { lazy } from "../util/lazy.js";
import { fileSchema, fileSchemaText, precompiledValidatorFile } from "./config-schema.js";
import { configFlag, type Setting, settings } from "./settings.js";

export interface BotConfig {
  readonly dataDir: string;
  readonly backend: "console" | "slack";
  readonly slackSlashCommand: string;
  readonly prefix: string;
  readonly botName: string;
  readonly admins: readonly string[];
  readonly trustedBots: readonly string[];
  readonly maxMessageLength: number;
  readonly logLevel: "error" | "warn" | "info" | "debug";
  readonly pluginPaths: readonly string[];
  readonly catalogues: readonly string[];
  readonly acl: readonly { effect: string; target: string; who: string; room?: string }[];
  readonly approvalTimeoutMinutes: number;
  readonly rateLimitPerMinute: number;
  readonly httpPort: number | null;
  readonly webhookRateLimitPerMinute: number;
  readonly plugins: Readonly<Record<string, Record<string, unknown>>>;
  readonly pluginMaxMemoryMb: number;
  readonly pluginMaxTimeoutMs: number;
  readonly pluginMaxWallTimeoutMs: number;
  readonly pluginStoreQuotaMb: number;
  /** The config file that was read, if any. */
  readonly configFile: string | null;
}

/** The precompiled validator from the build when it matches the schema; else Ajv compiles it here. */
const validateFile = lazy((): ValidateFunction => {
  try {
    const pre = createRequire(import.meta.url)(precompiledValidatorFile) as ValidateFunction & {
      schemaText?: string;
    };
    if (pre.schemaText === fileSchemaText) return pre;
  } catch {
    // not built yet: compile below
  }
  return createAjv({ allErrors: true }).compile(fileSchema);
});

/**
 * Reads settings from (lowest to highest precedence) defaults, the config file, ERRAND_* environment
 * variables and flags; validates them; returns them frozen. Throws ConfigError naming the key.
 */
export function loadConfig(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
) {
  const flags = parseFlags(argv);
  checkEnvNames(env);
  const explicitFile = flags.config ?? env[configFlag.env];
  const file = explicitFile ? resolve(cwd, explicitFile) : resolve(cwd, configFlag.defaultFile);
  const fromFile = explicitFile || existsSync(file) ? readConfigFile(file) : {};
  const merged: Record<string, unknown> = {};
  for (const s of settings) {
    merged[s.key] = s.default;
    if (fromFile[s.key] !== undefined) merged[s.key] = fromFile[s.key];
    // Paths in a config file are relative to the file, wherever the bot is started from.
    if (fromFile[s.key] !== undefined && s.key === "dataDir")
      merged[s.key] = resolveFrom(dirname(file), fromFile[s.key] as string);
    if (fromFile[s.key] !== undefined && s.key === "pluginPaths") {
      merged[s.key] = (fromFile[s.key] as string[]).map((p) => resolveFrom(dirname(file), p));
    }
    const envValue = env[s.env];
    if (envValue !== undefined && envValue !== "")
      merged[s.key] = checkOne(s, convert(s, envValue, s.env), s.env);
    const flagValue = flags[s.flag];
    if (flagValue !== undefined)
      merged[s.key] = checkOne(s, convert(s, flagValue, `--${s.flag}`), `--${s.flag}`);
  }
  merged.dataDir = resolveFrom(cwd, merged.dataDir as string);
  merged.pluginPaths = (merged.pluginPaths as string[]).map((p) => resolveFrom(cwd, p));
  return Object.freeze({
    ...merged,
    admins: Object.freeze([...(merged.admins as string[])]),
    trustedBots: Object.freeze([...(merged.trustedBots as string[])]),
    pluginPaths: Object.freeze([...(merged.pluginPaths as string[])]),
    catalogues: Object.freeze([...(merged.catalogues as string[])]),
    plugins: Object.freeze(structuredClone(merged.plugins as Record<string, Record<string, unknown>>)),
    configFile: explicitFile || existsSync(file) ? file : null,
  }) as BotConfig;
}

function parseFlags(argv: readonly string[]): Record<string, string | undefined> {
  const options = Object.fromEntries([
    [configFlag.flag, { type: "string" as const }],
    ...settings.map((s) => [s.flag, { type: "string" as const }]),
  ]);
  try {
    const { values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false });
    return values as Record<string, string | undefined>;
  } catch (err) {
    const known = [configFlag.flag, ...settings.map((s) => s.flag)].map((f) => `--${f}`).join(", ");
    throw new ConfigError(`${(err as Error).message}. Known flags: ${known}.`, { cause: err });
  }
}

function checkEnvNames(env: NodeJS.ProcessEnv): void {
  const known = new Set([configFlag.env, ...settings.map((s) => s.env)]);
  for (const name of Object.keys(env)) {
    if (name.startsWith("ERRAND_") && !known.has(name)) {
      throw new ConfigError(
        `Unknown environment variable ${name}. Known: ${[...known].join(", ")}. Unset it or fix its name.`,
      );
    }
  }
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new ConfigError(
      `Cannot read config file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}. ` +
        "Create it with `errand init`, or point --config at an existing file.",
      { cause: err },
    );
  }
  const errors: ParseError[] = [];
  const jsonc = createRequire(import.meta.url)("jsonc-parser") as typeof import("jsonc-parser");
  const value = jsonc.parse(text, errors, { allowTrailingComma: true });
  if (errors.length > 0) {
    const first = errors[0] as ParseError;
    const line = text.slice(0, first.offset).split("\n").length;
    const what = jsonc
      .printParseErrorCode(first.error)
      .replace(/([a-z])([A-Z])/g, "$1 $2")
      .toLowerCase();
    throw new ConfigError(`Config file ${file} is not valid JSON at line ${line}: ${what}.`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ConfigError(`Config file ${file} must hold a JSON object ({ "key": value, ... }).`);
  }
  checkValues(value, `config file ${file}`);
  return value as Record<string, unknown>;
}

function checkValues(value: unknown, where: string): void {
  if (validateFile()(value)) return;
  const err = validateFile().errors?.[0];
  if (!err) return;
  const path = err.instancePath.replace(/^\//, "").replace(/\//g, ".");
  const unknown =
    err.keyword === "additionalProperties"
      ? (err.params as { additionalProperty: string }).additionalProperty
      : undefined;
  if (unknown !== undefined && path === "") {
    const known = settings.map((s) => s.key).join(", ");
    throw new ConfigError(`Unknown key "${unknown}" in ${where}. Known keys: ${known}.`);
  }
  // An unknown key inside a setting (a field of an ACL rule) is a bad value of that setting.
  const key = unknown === undefined ? path : `${path}.${unknown}`;
  const setting = settings.find((s) => s.key === key.split(".")[0]);
  throw new ConfigError(
    `Bad value for "${key}" in ${where}: it must be ${setting?.expected ?? err.message}.`,
  );
}

/** Checks a value given by a flag or an environment variable, naming that flag or variable. */
function checkOne(s: Setting, value: unknown, source: string): unknown {
  if (!validateFile()({ [s.key]: value })) {
    throw new ConfigError(`Bad value for ${source}: ${JSON.stringify(value)}; it must be ${s.expected}.`);
  }
  return value;
}

function convert(s: Setting, raw: string, source: string): unknown {
  if (s.type === "list") {
    return raw
      .split(",")
      .map((x) => x.trim())
      .filter((x) => x.length > 0);
  }
  if (s.type === "json") {
    try {
      return JSON.parse(raw);
    } catch {
      throw new ConfigError(`${source} must be JSON: ${s.expected}.`);
    }
  }
  if (s.type === "integer") {
    if (!/^-?\d+$/.test(raw.trim())) throw new ConfigError(`${source} must be a whole number, got "${raw}".`);
    return Number.parseInt(raw, 10);
  }
  return raw;
}

function resolveFrom(base: string, p: string): string {
  return isAbsolute(p) ? p : resolve(base, p);
}
