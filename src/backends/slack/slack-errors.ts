/** Slack's failures, said as what the user can do about them; other errors pass through as they are. */
import { webApi } from "@slack/bolt";
import { ConfigError, NotFoundError, SlackUnavailableError } from "../../errors.js";

const REFUSED = new Set(["invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired"]);

/** Slack refused a token: that is configuration (exit code 2), said with the variable to fix. */
export function refusedToken(err: unknown, variable: string): ConfigError | undefined {
  const code = platformError(err);
  if (!code || !REFUSED.has(code)) return undefined;
  return new ConfigError(
    `Slack refused ${variable} (${code}). Copy the token again from your Slack app's settings, ` +
      "and check the app is installed in the workspace.",
    { cause: err },
  );
}

/** The Web API (or the Socket Mode URL it gave) could not be reached at all. */
export function unreachable(err: unknown, apiUrl: string): SlackUnavailableError | undefined {
  const e = err as { code?: string; original?: Error; message?: string } | undefined;
  if (e?.code !== webApi.ErrorCode.RequestError && e?.code !== webApi.ErrorCode.HTTPError) return undefined;
  const why =
    (e.original as { cause?: { code?: string } } | undefined)?.cause?.code ??
    e.original?.message ??
    e.message;
  return new SlackUnavailableError(
    `Cannot reach the Slack Web API at ${apiUrl} (${why}). Check SLACK_API_URL (unset, it is ` +
      "https://slack.com/api/) and the network.",
    { cause: err },
  );
}

export function explainPostError(err: unknown, where: string): NotFoundError | undefined {
  const code = platformError(err);
  if (code === "not_in_channel" || code === "channel_not_found") {
    return new NotFoundError(
      `I cannot post in ${where} (${code}): invite me there first with /invite, or use another channel.`,
    );
  }
  return undefined;
}

function platformError(err: unknown): string | undefined {
  const e = err as { code?: string; data?: { error?: string } } | undefined;
  return e?.code === webApi.ErrorCode.PlatformError ? e.data?.error : undefined;
}
