import { SECRET_MASK as MASK } from "./mask-secret-values.js";

/**
 * Masks the values of secret keys in a command's text before it is stored (history, audit) or logged:
 * `token=abc` and `"token": "abc"` both become masked. Secrets are whatever plugin config schemas mark
 * `secret: true`, plus names that are secrets everywhere.
 */
export function redactSecrets(text: string, secretKeys: Iterable<string>): string {
  const keys = new Set(["password", "token", "secret", "webhookSecret", ...secretKeys]);
  const names = [...keys].map(escapeRegExp).join("|");
  return text
    .replace(new RegExp(`(^|\\s)((?:${names})=)("[^"]*"|'[^']*'|\\S*)`, "gi"), `$1$2${MASK}`)
    .replace(new RegExp(`("(?:${names})"\\s*:\\s*)("(?:[^"\\\\]|\\\\.)*"|[^,}\\s]+)`, "gi"), `$1"${MASK}"`);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
