import { signSlackRequest } from "../../src/backends/slack/slack-signature.js";

export interface DeliveryOptions {
  /** Seconds since the epoch; now by default. */
  timestamp?: number;
  /** Signs with this secret instead (a forged request). */
  signWith?: string;
  /** Sends this X-Slack-Signature as it is. */
  signature?: string;
  /** Slack's retry headers: the attempt number and why. */
  retryNum?: number;
  retryReason?: string;
  /** A slash command or interactive payload is a form; events are JSON. */
  form?: boolean;
}

/**
 * Delivers a request the way Slack's Events API and slash commands do: JSON (or a form), signed with
 * `X-Slack-Signature: v0=HMAC-SHA256("v0:TIMESTAMP:BODY")` and `X-Slack-Request-Timestamp`.
 */
export async function deliverToSlackEndpoint(
  url: string,
  secret: string,
  payload: Record<string, unknown>,
  options: DeliveryOptions = {},
): Promise<{ status: number; body: string; headers: Headers }> {
  const body = options.form
    ? new URLSearchParams(payload as Record<string, string>).toString()
    : JSON.stringify(payload);
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    "content-type": options.form ? "application/x-www-form-urlencoded" : "application/json",
    "x-slack-request-timestamp": String(timestamp),
    "x-slack-signature": options.signature ?? signSlackRequest(options.signWith ?? secret, timestamp, body),
    "user-agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
  };
  if (options.retryNum !== undefined) headers["x-slack-retry-num"] = String(options.retryNum);
  if (options.retryReason !== undefined) headers["x-slack-retry-reason"] = options.retryReason;
  const res = await fetch(url, { method: "POST", headers, body });
  return { status: res.status, body: await res.text(), headers: res.headers };
}
