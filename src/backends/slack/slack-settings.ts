import { ConfigError } from "../../errors.js";

/** How the bot hears from Slack. */
export type SlackTransport =
  | { kind: "socket"; appToken: string }
  | { kind: "http"; signingSecret: string; httpPort: number };

export interface SlackSettings {
  botToken: string;
  transport: SlackTransport;
  /** Ends with "/". */
  apiUrl: string;
  /** "/errand". */
  slashCommand: string;
  /** Both SLACK_APP_TOKEN and SLACK_SIGNING_SECRET were set: Socket Mode won, the secret is unused. */
  ignoredSigningSecret: boolean;
}

const DEFAULT_API_URL = "https://slack.com/api/";

/**
 * Reads the Slack environment: the tokens are secrets, so they come only from SLACK_* variables, never
 * from flags or the config file. SLACK_APP_TOKEN chooses Socket Mode; otherwise SLACK_SIGNING_SECRET
 * chooses HTTP events on the bot's HTTP server. When both are set, Socket Mode wins (no public URL
 * is the safer default) and the signing secret is unused. Throws ConfigError saying what to set.
 */
export function readSlackSettings(
  config: { httpPort: number | null; slackSlashCommand: string },
  env: NodeJS.ProcessEnv = process.env,
): SlackSettings {
  const get = (name: string) => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };
  const botToken = get("SLACK_BOT_TOKEN");
  const appToken = get("SLACK_APP_TOKEN");
  const signingSecret = get("SLACK_SIGNING_SECRET");
  if (!botToken) {
    throw new ConfigError(
      "--backend slack needs SLACK_BOT_TOKEN: the Bot User OAuth Token (xoxb-...) from your Slack app's " +
        '"OAuth & Permissions" page. See "Slack" in README.md.',
    );
  }
  checkPrefix("SLACK_BOT_TOKEN", botToken, "xoxb-", 'the Bot User OAuth Token from "OAuth & Permissions"');
  let transport: SlackTransport;
  if (appToken) {
    checkPrefix(
      "SLACK_APP_TOKEN",
      appToken,
      "xapp-",
      'an App-Level Token with connections:write ("Basic Information")',
    );
    transport = { kind: "socket", appToken };
  } else if (signingSecret) {
    if (config.httpPort === null) {
      throw new ConfigError(
        "SLACK_SIGNING_SECRET without SLACK_APP_TOKEN means HTTP events at POST /slack/events on the bot's " +
          "HTTP server: set --http-port (ERRAND_HTTP_PORT) too, or set SLACK_APP_TOKEN to use Socket Mode.",
      );
    }
    transport = { kind: "http", signingSecret, httpPort: config.httpPort };
  } else {
    throw new ConfigError(
      "--backend slack needs SLACK_APP_TOKEN (xapp-..., for Socket Mode: no public URL needed) or " +
        'SLACK_SIGNING_SECRET (for HTTP events at POST /slack/events on --http-port). See "Slack" in README.md.',
    );
  }
  return {
    botToken,
    transport,
    apiUrl: readApiUrl(get("SLACK_API_URL")),
    slashCommand: config.slackSlashCommand,
    ignoredSigningSecret: Boolean(appToken && signingSecret),
  };
}

function checkPrefix(name: string, value: string, prefix: string, what: string): void {
  if (!value.startsWith(prefix)) {
    throw new ConfigError(`${name} must start with "${prefix}": it is ${what}.`);
  }
}

function readApiUrl(raw: string | undefined): string {
  if (raw === undefined) return DEFAULT_API_URL;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`SLACK_API_URL must be an http(s) URL like ${DEFAULT_API_URL}, got "${raw}".`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new ConfigError(`SLACK_API_URL must be an http(s) URL like ${DEFAULT_API_URL}, got "${raw}".`);
  }
  return url.href.endsWith("/") ? url.href : `${url.href}/`;
}
