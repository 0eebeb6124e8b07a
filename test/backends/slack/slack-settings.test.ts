import assert from "node:assert/strict";
import { readSlackSettings } from "../../../src/backends/slack/slack-settings.js";
import { ErrorCode } from "../../../src/errors.js";

const config = { httpPort: null, slackSlashCommand: "/errand" };
const isConfigError = (pattern: RegExp) => (err: Error & { code?: string }) =>
  err.code === ErrorCode.ConfigInvalid && pattern.test(err.message);

describe("readSlackSettings", () => {
  it("chooses Socket Mode with an app token, with Slack's API URL by default", () => {
    const s = readSlackSettings(config, { SLACK_BOT_TOKEN: "xoxb-1", SLACK_APP_TOKEN: "xapp-1" });
    assert.deepEqual(s, {
      botToken: "xoxb-1",
      transport: { kind: "socket", appToken: "xapp-1" },
      apiUrl: "https://slack.com/api/",
      slashCommand: "/errand",
      ignoredSigningSecret: false,
    });
  });

  it("chooses HTTP events with a signing secret and an HTTP port", () => {
    const s = readSlackSettings(
      { ...config, httpPort: 0 },
      { SLACK_BOT_TOKEN: "xoxb-1", SLACK_SIGNING_SECRET: "shh", SLACK_API_URL: "http://127.0.0.1:9/api" },
    );
    assert.deepEqual(s.transport, { kind: "http", signingSecret: "shh", httpPort: 0 });
    assert.equal(s.apiUrl, "http://127.0.0.1:9/api/", "a trailing slash is added");
  });

  it("lets Socket Mode win when both an app token and a signing secret are set, and says so", () => {
    const s = readSlackSettings(
      { ...config, httpPort: 8080 },
      { SLACK_BOT_TOKEN: "xoxb-1", SLACK_APP_TOKEN: "xapp-1", SLACK_SIGNING_SECRET: "shh" },
    );
    assert.equal(s.transport.kind, "socket");
    assert.equal(s.ignoredSigningSecret, true);
  });

  it("treats empty variables as unset", () => {
    assert.throws(
      () => readSlackSettings(config, { SLACK_BOT_TOKEN: " ", SLACK_APP_TOKEN: "xapp-1" }),
      isConfigError(/needs SLACK_BOT_TOKEN/),
    );
  });

  it("says which variable is wrong and what it should hold", () => {
    const env = { SLACK_BOT_TOKEN: "xoxb-1" };
    assert.throws(
      () => readSlackSettings(config, env),
      isConfigError(/SLACK_APP_TOKEN .* or SLACK_SIGNING_SECRET/),
    );
    assert.throws(
      () => readSlackSettings(config, { ...env, SLACK_SIGNING_SECRET: "s" }),
      isConfigError(/--http-port/),
    );
    assert.throws(
      () => readSlackSettings(config, { ...env, SLACK_APP_TOKEN: "xoxp-user" }),
      isConfigError(/SLACK_APP_TOKEN must start with "xapp-"/),
    );
    assert.throws(
      () => readSlackSettings(config, { ...env, SLACK_APP_TOKEN: "xapp-1", SLACK_API_URL: "slack.com/api" }),
      isConfigError(/SLACK_API_URL must be an http\(s\) URL/),
    );
  });
});
