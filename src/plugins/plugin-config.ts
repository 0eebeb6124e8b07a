import type { ValidateFunction } from "ajv";
import { PluginConfigError } from "../errors.js";
import { SECRET_MASK as MASK } from "../security/mask-secret-values.js";
import { firstError, schemaAjv } from "./json-schema.js";

type Schema = Record<string, unknown>;
type Properties = Record<string, Schema>;

const compiled = new WeakMap<Schema, ValidateFunction>();

function validatorFor(schema: Schema): ValidateFunction {
  let v = compiled.get(schema);
  if (!v) {
    v = schemaAjv().compile(schema);
    compiled.set(schema, v);
  }
  return v;
}

/**
 * Validates a plugin's config against its schema (filling defaults) and returns it frozen.
 * A refusal names the field; nothing is changed.
 */
export function validatePluginConfig(plugin: string, schema: Schema | null, value: Record<string, unknown>) {
  const copy = structuredClone(value);
  if (schema && !validatorFor(schema)(copy)) {
    throw new PluginConfigError(`Config of ${plugin} not accepted: ${firstError(validatorFor(schema))}.`);
  }
  return deepFreeze(copy);
}

/** Does the config satisfy `required`? (A plugin missing required config waits instead of failing.) */
export function missingRequired(schema: Schema | null, value: Record<string, unknown>): string[] {
  const required = (schema?.required ?? []) as string[];
  return required.filter((k) => value[k] === undefined);
}

/**
 * Turns `key=value` strings into typed values using the schema: numbers, booleans and JSON for
 * objects and arrays; strings stay strings. Unknown keys are refused with the known ones.
 */
export function coerceSettings(
  plugin: string,
  schema: Schema | null,
  pairs: Record<string, string>,
): Record<string, unknown> {
  const properties = (schema?.properties ?? {}) as Properties;
  const out: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(pairs)) {
    const prop = properties[key];
    if (!prop) {
      const known = Object.keys(properties);
      throw new PluginConfigError(
        `${plugin} has no config key "${key}". ${known.length ? `Keys: ${known.join(", ")}.` : "It takes no config."}`,
      );
    }
    out[key] = coerce(plugin, key, prop, raw);
  }
  return out;
}

function coerce(plugin: string, key: string, prop: Schema, raw: string): unknown {
  const type = prop.type;
  if (type === "integer" || type === "number") {
    const n = Number(raw);
    if (raw.trim() === "" || Number.isNaN(n))
      throw new PluginConfigError(`Config of ${plugin} not accepted: ${key}: must be a number.`);
    return n;
  }
  if (type === "boolean") {
    if (/^(true|yes|on|1)$/i.test(raw)) return true;
    if (/^(false|no|off|0)$/i.test(raw)) return false;
    throw new PluginConfigError(`Config of ${plugin} not accepted: ${key}: must be true or false.`);
  }
  if (type === "object" || type === "array") {
    try {
      return JSON.parse(raw);
    } catch {
      throw new PluginConfigError(
        `Config of ${plugin} not accepted: ${key}: must be JSON (${type}); quote it: ${key}='{"a": 1}'.`,
      );
    }
  }
  return raw;
}

/** Names of secret fields, at any depth, as dotted paths ("token", "auth.password"). */
export function secretPaths(schema: Schema | null, base = ""): string[] {
  const properties = (schema?.properties ?? {}) as Properties;
  return Object.entries(properties).flatMap(([key, prop]) => {
    const path = base ? `${base}.${key}` : key;
    return [...(prop.secret === true ? [path] : []), ...secretPaths(prop, path)];
  });
}

/** A copy fit to show: every secret replaced by a mask (or left out when unset). */
export function maskSecrets(schema: Schema | null, value: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(value) as Record<string, unknown>;
  for (const path of secretPaths(schema)) {
    const parts = path.split(".");
    let node: Record<string, unknown> | undefined = copy;
    for (const p of parts.slice(0, -1)) node = node?.[p] as Record<string, unknown> | undefined;
    const last = parts.at(-1) as string;
    if (node && node[last] !== undefined) node[last] = MASK;
  }
  return copy;
}

/** One line per field: name, type, required or not, secret or not, description, default. */
export function describeSchema(schema: Schema | null): string[] {
  const properties = (schema?.properties ?? {}) as Properties;
  const required = new Set((schema?.required ?? []) as string[]);
  return Object.entries(properties).map(([key, prop]) => {
    const flags = [
      String(prop.type ?? "any") + (prop.format ? `, ${prop.format}` : ""),
      required.has(key) ? "required" : "optional",
      ...(prop.secret ? ["secret"] : []),
    ];
    const def =
      prop.default !== undefined && !prop.secret ? ` (default ${JSON.stringify(prop.default)})` : "";
    return `  ${key} (${flags.join(", ")})${prop.description ? `: ${prop.description}` : ""}${def}`;
  });
}

function deepFreeze<T>(v: T): Readonly<T> {
  if (v && typeof v === "object") {
    for (const k of Object.keys(v)) deepFreeze((v as Record<string, unknown>)[k]);
    Object.freeze(v);
  }
  return v;
}
