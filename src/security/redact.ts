import { SECRET_MASK as MASK } from "./mask-secret-values.js";

/**
 * Masks the values of secret keys in a command's text before it is stored (history, audit) or logged:
 * `token=abc` and `"token": "abc"` both become masked. Secrets are whatever plugin config schemas mark
 * `secret: true`, plus names that are secrets everywhere.
 */
export function redactSecrets(text: string, secretKeys: readonly string[]): string {
  // Most commands carry neither `key=value` nor JSON: nothing to mask, nothing to compile.
  if (!text.includes("=") && !text.includes(":")) return text;
  const { kv, json } = patternsFor(secretKeys);
  return text.replace(kv, `$1$2${MASK}`).replace(json, `$1"${MASK}"`);
}

let cached: { keys: readonly string[]; names: string; kv: RegExp; json: RegExp } | undefined;

/**
 * The two patterns for a set of key names, compiled once per set (it changes when plugins do). The
 * plugin manager hands out the same array until then (a new one after, never one changed in place),
 * so that is checked first.
 */
function patternsFor(secretKeys: readonly string[]): { kv: RegExp; json: RegExp } {
  if (cached?.keys === secretKeys) return cached;
  const keys = new Set(["password", "token", "secret", "webhookSecret", ...secretKeys]);
  const names = [...keys].map(escapeRegExp).join("|");
  if (cached?.names !== names) {
    cached = {
      keys: secretKeys,
      names,
      kv: new RegExp(`(^|\\s)((?:${names})=)("[^"]*"|'[^']*'|\\S*)`, "gi"),
      json: new RegExp(`("(?:${names})"\\s*:\\s*)("(?:[^"\\\\]|\\\\.)*"|[^,}\\s]+)`, "gi"),
    };
  } else cached.keys = secretKeys;
  return cached;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
