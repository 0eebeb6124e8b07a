export const SECRET_MASK = "••••••";

/** Shorter values are too likely to be ordinary words; masking them would garble replies. */
export const MIN_MASKED_LENGTH = 6;

/**
 * Replaces every occurrence of a secret value (a plugin config value marked `secret`) in text that is
 * about to leave the bot: a reply, a post, a log line, an audit entry. Key-based masking
 * (`redactSecrets`) catches `token=...` as typed; this catches the value wherever a plugin echoes it.
 */
export function maskSecretValues(text: string, values: readonly string[]): string {
  if (values.length === 0 || text.length < MIN_MASKED_LENGTH) return text;
  let out = text;
  for (const v of values) if (out.includes(v)) out = out.split(v).join(SECRET_MASK);
  return out;
}
