import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, normalize } from "node:path";
import { IncompatiblePluginError, ManifestError } from "../errors.js";
import { lazy } from "../util/lazy.js";
import { createAjv } from "./ajv.js";
import { describeSchemaError, schemaAjv } from "./json-schema.js";

// semver's range regexes cost about 5 MiB of memory; a bot without plugins never needs them.
const semver = lazy(() => createRequire(import.meta.url)("semver") as typeof import("semver"));

export interface NetPermission {
  /** As written: "ci.example.com", "*.ci.internal:8443" or "config:url". */
  pattern: string;
}

export interface PluginPermissions {
  net: string[];
  webhooks: boolean;
  schedule: boolean;
}

export interface PluginLimits {
  memoryMb: number;
  /** CPU time one call may use. */
  timeoutMs: number;
  /** Wall-clock time one call may take, waiting on HTTP or the store included. */
  wallTimeoutMs: number;
}

export interface PluginManifest {
  name: string;
  version: string;
  description: string;
  main: string;
  /** Host versions it works with (semver range). */
  errand: string;
  permissions: PluginPermissions;
  limits: Partial<PluginLimits>;
  /** JSON Schema of its config; `secret: true` marks values never shown again. */
  config: Record<string, unknown> | null;
}

const NAME = "^[a-z][a-z0-9-]{0,39}$";
const NET_PATTERN = "^(config:[A-Za-z_][A-Za-z0-9_]*|(\\*\\.)?[A-Za-z0-9.-]+(:[0-9]{1,5})?)$";

const manifestSchema = {
  type: "object",
  additionalProperties: false,
  required: ["name", "version", "description", "main", "errand"],
  properties: {
    $schema: { type: "string" },
    name: { type: "string", pattern: NAME },
    version: { type: "string" },
    description: { type: "string", minLength: 1, maxLength: 300 },
    main: { type: "string", minLength: 1 },
    errand: { type: "string", minLength: 1 },
    permissions: {
      type: "object",
      additionalProperties: false,
      properties: {
        net: { type: "array", items: { type: "string", pattern: NET_PATTERN } },
        webhooks: { type: "boolean" },
        schedule: { type: "boolean" },
      },
    },
    limits: {
      type: "object",
      additionalProperties: false,
      properties: {
        memoryMb: { type: "integer", minimum: 8, maximum: 4096 },
        timeoutMs: { type: "integer", minimum: 1, maximum: 600_000 },
        wallTimeoutMs: { type: "integer", minimum: 1, maximum: 3_600_000 },
      },
    },
    config: { type: "object" },
  },
};

const validateManifest = lazy(() => createAjv({ allErrors: false }).compile(manifestSchema));

const FIELD_HELP: Record<string, string> = {
  name: "lowercase letters, digits and '-', starting with a letter, at most 40",
  permissions: "known permissions are net, webhooks and schedule",
  "permissions.net": 'host patterns like "ci.example.com", "*.ci.internal:8443" or "config:url"',
  limits: "known limits are memoryMb, timeoutMs and wallTimeoutMs",
};

/**
 * Reads and checks `plugin.json` in `dir`. Every refusal names the file and the field, and says
 * what a good value looks like.
 */
export function loadManifest(dir: string, hostVersion: string): PluginManifest {
  const file = join(dir, "plugin.json");
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    const why =
      (err as NodeJS.ErrnoException).code === "ENOENT"
        ? "is missing"
        : `is not valid JSON (${(err as Error).message})`;
    throw new ManifestError(
      `${file} ${why}. A plugin folder needs a plugin.json; see the README's "Writing a plugin".`,
    );
  }
  if (!validateManifest()(raw)) {
    const err = validateManifest().errors?.[0];
    const described = err ? describeSchemaError(err) : "invalid";
    const field = described.split(":")[0] ?? "";
    const path =
      err?.instancePath
        .replace(/^\//, "")
        .replace(/\/\d+$/, "")
        .replace(/\//g, ".") ?? "";
    const help = FIELD_HELP[path] ?? FIELD_HELP[field];
    throw new ManifestError(`${file}: field ${described}${help ? ` (${help})` : ""}.`);
  }
  const m = raw as Omit<PluginManifest, "permissions" | "limits" | "config"> & {
    permissions?: Partial<PluginPermissions>;
    limits?: Partial<PluginLimits>;
    config?: Record<string, unknown>;
  };
  if (!semver().valid(m.version)) {
    throw new ManifestError(`${file}: field version: "${m.version}" is not a semantic version like 1.2.0.`);
  }
  if (!semver().validRange(m.errand)) {
    throw new ManifestError(`${file}: field errand: "${m.errand}" is not a semver range like ^1.0.0.`);
  }
  if (!semver().satisfies(hostVersion, m.errand, { includePrerelease: true })) {
    throw new IncompatiblePluginError(
      `Plugin ${m.name} ${m.version} needs Errand ${m.errand}, but this is Errand ${hostVersion} (${file}, field errand).`,
    );
  }
  const main = normalize(m.main);
  if (main.startsWith("..") || main.startsWith("/") || !existsSync(join(dir, main))) {
    throw new ManifestError(`${file}: field main: "${m.main}" is not a file inside the plugin folder.`);
  }
  if (m.config !== undefined) checkConfigSchema(file, m.config);
  checkConfigKeysExist(file, m.permissions?.net ?? [], m.config);
  return {
    name: m.name,
    version: m.version,
    description: m.description,
    main,
    errand: m.errand,
    permissions: {
      net: m.permissions?.net ?? [],
      webhooks: m.permissions?.webhooks ?? false,
      schedule: m.permissions?.schedule ?? false,
    },
    limits: m.limits ?? {},
    config: m.config ?? null,
  };
}

function checkConfigSchema(file: string, schema: Record<string, unknown>): void {
  try {
    schemaAjv().compile(schema);
  } catch (err) {
    throw new ManifestError(`${file}: field config is not a valid JSON Schema: ${(err as Error).message}.`);
  }
}

/** `config:url` must name a key the config schema defines, or the grant could never be used. */
function checkConfigKeysExist(
  file: string,
  net: string[],
  schema: Record<string, unknown> | undefined,
): void {
  const properties = (schema?.properties ?? {}) as Record<string, unknown>;
  for (const p of net) {
    if (p.startsWith("config:") && !(p.slice(7) in properties)) {
      throw new ManifestError(
        `${file}: field permissions.net: "${p}" names config key "${p.slice(7)}", which the config schema does not define.`,
      );
    }
  }
}

/** Lists what a plugin asks for, for install and approval messages. */
export function describePermissions(p: PluginPermissions): string[] {
  const out: string[] = [];
  for (const n of p.net)
    out.push(n.startsWith("config:") ? `net: the host set in config key ${n.slice(7)}` : `net: ${n}`);
  if (p.webhooks) out.push("webhooks: receive HTTP requests");
  if (p.schedule) out.push("schedule: run timers");
  return out;
}
