import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { packageRoot } from "../../src/paths.js";
import { startBot } from "../helpers/start-bot.js";
import { makeTempDir } from "../helpers/temp-dir.js";

const leaky = resolve(packageRoot, "test", "fixtures", "plugins", "leaky");
const TOKEN = "hunter2secret";

describe("secret config values never leave the bot", function () {
  this.timeout(30_000);
  let dir: ReturnType<typeof makeTempDir>;
  let bot: Awaited<ReturnType<typeof startBot>>;
  beforeEach(async () => {
    dir = makeTempDir();
    bot = await startBot(dir.path, ["--plugin-paths", leaky]);
    assert.match(await bot.chat.ask(`!plugin config leaky token=${TOKEN} label=shown`), /updated/);
  });
  afterEach(async () => {
    await bot.stop();
    dir.remove();
  });

  it("are masked in replies, posts, errors, the audit log and the log file, whoever wrote them", async () => {
    const posted = await bot.chat.say("!leak");
    assert.deepEqual(
      posted.map((p) => p.text),
      ["psst ••••••", "token=•••••• label=shown"],
    );
    assert.match(await bot.chat.ask("!leak throw"), /leaky: bad ••••••/);
    const audit = await bot.chat.ask("!audit 5");
    assert.match(audit, /error: leaky: bad ••••••/);
    await bot.stop();
    const log = readFileSync(join(dir.path, "errand.log"), "utf8");
    assert.match(log, /token is ••••••/);
    for (const where of [JSON.stringify(bot.chat.transcript), audit, log]) {
      assert.doesNotMatch(where, new RegExp(TOKEN));
    }
    bot = await startBot(dir.path, ["--plugin-paths", leaky]);
  });

  it("are not replayed from history as their mask", async () => {
    const n = /^\s+(\d+)\s+!plugin config leaky/m.exec(await bot.chat.ask("!history"))?.[1];
    assert.ok(n, "the config command is in history");
    assert.match(await bot.chat.ask(`!! ${n}`), /That command held a secret.*type it again/);
    assert.equal(await bot.chat.ask("!leak"), "psst ••••••\ntoken=•••••• label=shown");
    assert.equal(bot.bot.plugins.get("leaky").config.token, TOKEN, "the secret is unchanged");
  });
});
