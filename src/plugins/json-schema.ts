import type { ErrorObject, ValidateFunction } from "ajv";
import { lazy } from "../util/lazy.js";
import { addFormats, createAjv } from "./ajv.js";

/**
 * One Ajv for plugin config schemas: standard JSON Schema plus Errand's `secret` keyword
 * (a value that is never shown again). `strict` so that a typo in a schema is an error at load,
 * not a silently ignored rule.
 */
export const schemaAjv = lazy(() => {
  const ajv = createAjv({ allErrors: true, strict: true, useDefaults: true });
  addFormats(ajv);
  ajv.addKeyword({ keyword: "secret", schemaType: "boolean" });
  return ajv;
});

/** "url: must match format "uri"" — the field first, by its full path ("jobs.room"), as users look for it. */
export function describeSchemaError(err: ErrorObject): string {
  // Ajv points at the object for a missing or unknown property, and names the property in params.
  const property =
    err.keyword === "required"
      ? (err.params as { missingProperty: string }).missingProperty
      : err.keyword === "additionalProperties"
        ? (err.params as { additionalProperty: string }).additionalProperty
        : undefined;
  const path = err.instancePath.replace(/^\//, "").replace(/\//g, ".");
  const field = property === undefined ? path : path ? `${path}.${property}` : property;
  if (err.keyword === "required") return `${field}: is required`;
  if (err.keyword === "additionalProperties") return `${field}: is not a known field`;
  if (err.keyword === "enum") {
    return `${field}: must be one of ${(err.params as { allowedValues: unknown[] }).allowedValues.join(", ")}`;
  }
  return `${field || "(the whole value)"}: ${err.message ?? "is invalid"}`;
}

export function firstError(validate: ValidateFunction): string {
  const err = validate.errors?.[0];
  return err ? describeSchemaError(err) : "invalid";
}
