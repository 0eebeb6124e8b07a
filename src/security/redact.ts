import { SECRET_MASK as MASK } from "./mask-secret-values.js";

/**
 * Masks the values of secret keys in a command's text before it is stored (history, audit) or logged:
 * `token=abc` and `"token": "abc"` both become masked. Secrets are whatever plugin config schemas mark
 * `secret: true`, plus names that are secrets everywhere.
 */
export function redactSecrets(text: string, secretKeys: Iterable<string>): string {
  // Most commands carry neither `key=value` nor JSON: nothing to mask, nothing to compile.
  if (!text.includes("=") && !text.includes(":")) return text;
  const { kv, json } = patternsFor(secretKeys);
  return text.replace(kv, `$1$2${MASK}`).replace(json, `$1"${MASK}"`);
}

let cached: { names: string; kv: RegExp; json: RegExp } | undefined;

/** The two patterns for a set of key names, compiled once per set (it changes when plugins do). */
function patternsFor(secretKeys: Iterable<string>): { kv: RegExp; json: RegExp } {
  const keys = new Set(["password", "token", "secret", "webhookSecret", ...secretKeys]);
  const names = [...keys].map(escapeRegExp).join("|");
  if (cached?.names !== names) {
    cached = {
      names,
      kv: new RegExp(`(^|\\s)((?:${names})=)("[^"]*"|'[^']*'|\\S*)`, "gi"),
      json: new RegExp(`("(?:${names})"\\s*:\\s*)("(?:[^"\\\\]|\\\\.)*"|[^,}\\s]+)`, "gi"),
    };
  }
  return cached;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
