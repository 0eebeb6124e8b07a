import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { settings } from "../../../src/config/settings.js";
import { packageRoot } from "../../../src/paths.js";

/** The YAML list under `key:` (indented "- item" lines), without a YAML parser. */
function listUnder(yaml: string, key: string): string[] {
  const lines = yaml.split("\n");
  const at = lines.findIndex((l) => l.trim() === `${key}:`);
  assert.ok(at >= 0, `no ${key}: in the manifest`);
  const items: string[] = [];
  for (const line of lines.slice(at + 1)) {
    const m = /^\s+- (\S+)\s*$/.exec(line);
    if (!m) break;
    items.push(m[1] as string);
  }
  return items;
}

describe("slack-app-manifest.yaml", () => {
  const yaml = readFileSync(join(packageRoot, "slack-app-manifest.yaml"), "utf8");

  it("asks for the scopes the backend's Web API calls and events need", () => {
    const scopes = listUnder(yaml, "bot");
    for (const scope of [
      "chat:write", // chat.postMessage
      "users:read", // users.info, users.list
      "channels:read", // conversations.info, conversations.list
      "groups:read",
      "mpim:read",
      "im:write", // conversations.open
      "channels:history", // message.channels
      "groups:history",
      "im:history",
      "mpim:history",
      "app_mentions:read",
      "commands",
    ]) {
      assert.ok(scopes.includes(scope), `missing scope ${scope}`);
    }
  });

  it("subscribes to the events the backend listens to, with Socket Mode on", () => {
    assert.deepEqual(listUnder(yaml, "bot_events").sort(), [
      "app_mention",
      "message.channels",
      "message.groups",
      "message.im",
      "message.mpim",
    ]);
    assert.match(yaml, /^ {2}socket_mode_enabled: true$/m);
  });

  it("names the slash command the bot answers by default", () => {
    const slash = settings.find((s) => s.key === "slackSlashCommand")?.default;
    assert.match(yaml, new RegExp(`^\\s+- command: ${slash}$`, "m"));
  });
});
