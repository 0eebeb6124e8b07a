import { createHmac, timingSafeEqual } from "node:crypto";

/** Slack refuses to sign for requests older than this, and so do we: a replayed request is stale. */
export const MAX_REQUEST_AGE_SECONDS = 5 * 60;

export type SignatureVerdict = "ok" | "missing" | "stale" | "mismatch";

/**
 * Checks Slack's request signature: `X-Slack-Signature: v0=<hex HMAC-SHA256 of "v0:TIMESTAMP:BODY">`
 * with the signing secret, and `X-Slack-Request-Timestamp` within five minutes of now, either way.
 */
export function checkSlackSignature(
  secret: string,
  headers: Record<string, string>,
  body: Buffer,
  nowMs = Date.now(),
): SignatureVerdict {
  const signature = headers["x-slack-signature"];
  const timestamp = headers["x-slack-request-timestamp"];
  if (!signature || !timestamp || !/^\d{1,12}$/.test(timestamp)) return "missing";
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > MAX_REQUEST_AGE_SECONDS) return "stale";
  const expected = Buffer.from(signSlackRequest(secret, timestamp, body));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected) ? "ok" : "mismatch";
}

/** The `X-Slack-Signature` value Slack sends for `body` at `timestamp` (seconds). */
export function signSlackRequest(secret: string, timestamp: string | number, body: Buffer | string): string {
  const hmac = createHmac("sha256", secret);
  hmac.update(`v0:${timestamp}:`);
  hmac.update(body);
  return `v0=${hmac.digest("hex")}`;
}
