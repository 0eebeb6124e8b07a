/**
 * The one table of bot settings. Flags, ERRAND_* environment variables, the config file's JSON Schema,
 * `errand init`'s commented config and `errand start --help` are all derived from it, so the four ways
 * of setting a value cannot drift apart.
 */
export type SettingType = "string" | "integer" | "list" | "json";

export interface Setting {
  /** Key in the config file. */
  key: string;
  /** Command-line flag, without the dashes. */
  flag: string;
  env: string;
  type: SettingType;
  /** One line for `--help` and `errand init`. */
  description: string;
  /** What a good value looks like, for error messages. */
  expected: string;
  /** JSON Schema of the value (in the config file; flags and env are converted first). */
  schema: Record<string, unknown>;
  default: unknown;
}

const identityList = {
  type: "array",
  items: { type: "string", pattern: "^[a-z]+:[^\\s]+$" },
  description: "identities like console:operator or slack:U123",
};

export const settings: readonly Setting[] = [
  {
    key: "dataDir",
    expected: "a directory path",
    flag: "data-dir",
    env: "ERRAND_DATA_DIR",
    type: "string",
    description: "where all state lives (database, installed repos, logs, backups)",
    schema: { type: "string", minLength: 1 },
    default: "./data",
  },
  {
    key: "backend",
    expected: "console or slack",
    flag: "backend",
    env: "ERRAND_BACKEND",
    type: "string",
    description: "chat backend: console (stdin/stdout) or slack (tokens from SLACK_* variables)",
    schema: { type: "string", enum: ["console", "slack"] },
    default: "console",
  },
  {
    key: "slackSlashCommand",
    expected: 'a slash command like "/errand": "/" then 1 to 31 lower-case letters, digits, "-" or "_"',
    flag: "slack-slash-command",
    env: "ERRAND_SLACK_SLASH_COMMAND",
    type: "string",
    description: "on Slack, the slash command that runs commands (as named in the Slack app)",
    schema: { type: "string", pattern: "^/[a-z0-9_-]{1,31}$" },
    default: "/errand",
  },
  {
    key: "prefix",
    expected: '1 to 8 characters without spaces, like "!" or "?"',
    flag: "prefix",
    env: "ERRAND_PREFIX",
    type: "string",
    description: "what starts a command in a room",
    schema: { type: "string", minLength: 1, maxLength: 8, pattern: "^\\S+$" },
    default: "!",
  },
  {
    key: "httpPort",
    flag: "http-port",
    env: "ERRAND_HTTP_PORT",
    type: "integer",
    expected: "a port from 0 to 65535 (0 picks a free one)",
    description:
      "serve webhooks and /healthz on 127.0.0.1 at this port (0 picks one and prints it); none when unset",
    schema: { type: ["integer", "null"], minimum: 0, maximum: 65_535 },
    default: null,
  },
  {
    key: "webhookRateLimitPerMinute",
    flag: "webhook-rate-limit-per-minute",
    env: "ERRAND_WEBHOOK_RATE_LIMIT_PER_MINUTE",
    type: "integer",
    expected: "a whole number from 1 to 1000000",
    description: "requests a minute one webhook accepts before it answers 429",
    schema: { type: "integer", minimum: 1, maximum: 1_000_000 },
    default: 600,
  },
  {
    key: "botName",
    expected: 'letters, digits, "_", "." or "-", at most 40',
    flag: "bot-name",
    env: "ERRAND_BOT_NAME",
    type: "string",
    description: "the bot's name: @NAME at the start of a message addresses it",
    schema: { type: "string", pattern: "^[A-Za-z0-9_.-]{1,40}$" },
    default: "errand",
  },
  {
    key: "admins",
    expected: "a list of identities like console:operator or slack:U123",
    flag: "admins",
    env: "ERRAND_ADMINS",
    type: "list",
    description: "admin identities (comma-separated on the command line); cannot be changed from chat",
    schema: identityList,
    default: ["console:operator"],
  },
  {
    key: "trustedBots",
    expected: "a list of identities like console:ci-bot or slack:B123",
    flag: "trusted-bots",
    env: "ERRAND_TRUSTED_BOTS",
    type: "list",
    description: "bots and integrations whose messages may run commands (others are ignored)",
    schema: identityList,
    default: [],
  },
  {
    key: "maxMessageLength",
    expected: "a whole number from 16 to 1000000",
    flag: "max-message-length",
    env: "ERRAND_MAX_MESSAGE_LENGTH",
    type: "integer",
    description: "longer messages are refused with a clear reply instead of being parsed",
    schema: { type: "integer", minimum: 16, maximum: 1_000_000 },
    default: 40_000,
  },
  {
    key: "pluginPaths",
    flag: "plugin-paths",
    env: "ERRAND_PLUGIN_PATHS",
    type: "list",
    expected: "a list of folders",
    description:
      "plugin folders to load at start (a folder with plugin.json, or one whose sub-folders have one)",
    schema: { type: "array", items: { type: "string", minLength: 1 } },
    default: [],
  },
  {
    key: "catalogues",
    flag: "catalogues",
    env: "ERRAND_CATALOGUES",
    type: "list",
    expected: "a list of file paths or https URLs",
    description: "plugin catalogues searched besides repos/index.json (file paths or https URLs)",
    schema: { type: "array", items: { type: "string", minLength: 1 } },
    default: [],
  },
  {
    key: "plugins",
    flag: "plugins",
    env: "ERRAND_PLUGINS",
    type: "json",
    expected:
      'an object of plugin name to config object, like {"jenkins": {"url": "https://ci.example.com"}}',
    description: "plugin config as code (JSON); values set from chat win, key by key",
    schema: { type: "object", additionalProperties: { type: "object" } },
    default: {},
  },
  {
    key: "pluginMaxMemoryMb",
    flag: "plugin-max-memory-mb",
    env: "ERRAND_PLUGIN_MAX_MEMORY_MB",
    type: "integer",
    expected: "a whole number from 8 to 4096",
    description: "the most memory any plugin's isolate may use, whatever its manifest asks",
    schema: { type: "integer", minimum: 8, maximum: 4096 },
    default: 128,
  },
  {
    key: "pluginMaxTimeoutMs",
    flag: "plugin-max-timeout-ms",
    env: "ERRAND_PLUGIN_MAX_TIMEOUT_MS",
    type: "integer",
    expected: "a whole number of milliseconds from 10 to 600000",
    description: "the most CPU time one plugin call may use",
    schema: { type: "integer", minimum: 10, maximum: 600_000 },
    default: 10_000,
  },
  {
    key: "pluginMaxWallTimeoutMs",
    flag: "plugin-max-wall-timeout-ms",
    env: "ERRAND_PLUGIN_MAX_WALL_TIMEOUT_MS",
    type: "integer",
    expected: "a whole number of milliseconds from 10 to 3600000",
    description: "the longest one plugin call may take, waiting included",
    schema: { type: "integer", minimum: 10, maximum: 3_600_000 },
    default: 60_000,
  },
  {
    key: "pluginStoreQuotaMb",
    flag: "plugin-store-quota-mb",
    env: "ERRAND_PLUGIN_STORE_QUOTA_MB",
    type: "integer",
    expected: "a whole number from 1 to 10240",
    description: "how much each plugin may keep in its store",
    schema: { type: "integer", minimum: 1, maximum: 10_240 },
    default: 10,
  },
  {
    key: "acl",
    flag: "acl",
    env: "ERRAND_ACL",
    type: "json",
    expected:
      'a list of rules like {"effect": "deny", "target": "jenkins:*", "who": "group:interns", "room": "prod"}',
    description: "ACL rules as code (JSON list); rules added from chat come after them",
    schema: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["effect", "target", "who"],
        properties: {
          effect: { enum: ["allow", "deny"] },
          target: { type: "string", minLength: 1 },
          who: { type: "string", minLength: 1 },
          room: { type: "string", minLength: 1 },
        },
      },
    },
    default: [],
  },
  {
    key: "approvalTimeoutMinutes",
    flag: "approval-timeout-minutes",
    env: "ERRAND_APPROVAL_TIMEOUT_MINUTES",
    type: "integer",
    expected: "a whole number of minutes from 1 to 10080",
    description: "how long an @approval request waits before it expires",
    schema: { type: "integer", minimum: 1, maximum: 10_080 },
    default: 60,
  },
  {
    key: "rateLimitPerMinute",
    flag: "rate-limit-per-minute",
    env: "ERRAND_RATE_LIMIT_PER_MINUTE",
    type: "integer",
    expected: "a whole number from 1 to 100000",
    description: "commands one user (not an admin) may send a minute, in bursts of as many",
    schema: { type: "integer", minimum: 1, maximum: 100_000 },
    default: 60,
  },
  {
    key: "logLevel",
    expected: "error, warn, info or debug",
    flag: "log-level",
    env: "ERRAND_LOG_LEVEL",
    type: "string",
    description: "log file detail: error, warn, info or debug (the log is DATA_DIR/errand.log)",
    schema: { type: "string", enum: ["error", "warn", "info", "debug"] },
    default: "info",
  },
];

/** Flags that are not settings but choose where settings come from. */
export const configFlag = { flag: "config", env: "ERRAND_CONFIG", defaultFile: "errand.config.json" };
