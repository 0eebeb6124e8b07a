import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { loadPlugin } from "errand/testing";

// The full behaviour against a fake Jenkins is tested in Errand's own suite (test/repos/jenkins.test.ts);
// these tests need no Jenkins at all.
const pluginDir = fileURLToPath(new URL("..", import.meta.url));

describe("jenkins plugin", () => {
  let bot;
  let closedPort;
  before(async () => {
    const s = createServer();
    await new Promise((ok) => s.listen(0, "127.0.0.1", ok));
    closedPort = s.address().port;
    await new Promise((ok) => s.close(ok));
    bot = await loadPlugin(pluginDir, {
      config: { url: `http://127.0.0.1:${closedPort}`, user: "chatops", token: "t" },
    });
  });
  after(() => bot.close());

  test("documents every command for !help", async () => {
    const help = await bot.ask("!help jenkins");
    for (const cmd of ["jobs", "status", "build", "abort", "log", "queue", "executors", "health", "watch"]) {
      assert.match(help, new RegExp(`!jenkins ${cmd}\\b`), cmd);
    }
    assert.doesNotMatch(help, /follow/);
  });

  test("says plainly when Jenkins cannot be reached", async () => {
    assert.match(
      await bot.ask("!jenkins jobs"),
      /Jenkins at http:\/\/127\.0\.0\.1:\d+ is unreachable \(.*connection refused/,
    );
  });

  test("keeps its token secret", async () => {
    assert.match(await bot.ask("!plugin config jenkins"), /token: ••••••/);
  });
});
