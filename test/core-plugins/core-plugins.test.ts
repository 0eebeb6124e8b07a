import assert from "node:assert/strict";
import { hostVersion } from "../../src/paths.js";
import { loadCoreCatalog } from "../../src/plugins/core-catalog.js";
import { startBot } from "../helpers/start-bot.js";
import { makeTempDir } from "../helpers/temp-dir.js";

describe("core plugins", () => {
  let dir: ReturnType<typeof makeTempDir>;
  let bot: Awaited<ReturnType<typeof startBot>>;
  beforeEach(async () => {
    dir = makeTempDir();
    bot = await startBot(dir.path);
  });
  afterEach(async () => {
    await bot.stop();
    dir.remove();
  });

  describe("help", () => {
    it("lists every visible command once, grouped by plugin, one line each", async () => {
      const reply = await bot.chat.ask("!help");
      const lines = reply.split("\n");
      for (const plugin of ["health:", "help:", "history:", "plugins:", "utils:"])
        assert.ok(lines.includes(plugin), plugin);
      const usages = [
        "!echo [text...]",
        "!whoami",
        "!status",
        "!uptime",
        "!about",
        "!history [count]",
        "!! [number]",
      ];
      for (const usage of [
        ...usages,
        "!help [topic...]",
        "!apropos <term>",
        "!plugin list",
        "!status plugins",
      ]) {
        assert.equal(lines.filter((l) => l.startsWith(`  ${usage} — `)).length, 1, usage);
      }
      assert.match(reply, /!echo \[text\.\.\.\] — Repeats your text back, exactly as you typed it\./);
    });

    it("explains one command with usage, params and examples from its TSDoc", async () => {
      const reply = await bot.chat.ask("!help history");
      assert.match(reply, /^!history \[count\] {2}\(plugin history\)/);
      assert.match(reply, /count: how many to show/);
      assert.match(reply, /Examples:\n {2}!history\n {2}!history 30/);
    });

    it("explains a command given with its prefix, and a multi-word one", async () => {
      assert.match(await bot.chat.ask("!help !echo"), /^!echo \[text\.\.\.\]/);
      assert.match(await bot.chat.ask("!help !!"), /^!! \[number\]/);
    });

    it("lists one plugin's commands", async () => {
      const reply = await bot.chat.ask("!help health");
      assert.match(reply, /^health 1\.0\.0: /);
      assert.match(reply, /!uptime/);
      assert.doesNotMatch(reply, /!echo/);
    });

    it("searches names and docs with /REGEX/", async () => {
      const reply = await bot.chat.ask("!help /who|uptime/");
      assert.match(reply, /!whoami/);
      assert.match(reply, /!uptime/);
      assert.doesNotMatch(reply, /!echo/);
    });

    it("finds commands with a plain /REGEX/", async () => {
      const reply = await bot.chat.ask("!help /hist/");
      assert.match(reply, /^Commands matching \/hist\/ /);
      assert.match(reply, /!history \[count\]/);
      assert.doesNotMatch(reply, /!uptime/);
    });

    it("stops a /REGEX/ that would take forever, says so, and serves the next command", async () => {
      // On the main thread this pattern took 84 s over the built-in docs, the bot frozen meanwhile.
      assert.equal(
        await bot.chat.ask("!help /(.*.*.*.*=)+x/"),
        "That pattern took too long; try a simpler one or `!apropos WORD`.",
      );
      assert.equal(await bot.chat.ask("!echo after"), "after");
      assert.match(await bot.chat.ask("!help /who|uptime/"), /!whoami/);
    });

    it("says so when a /REGEX/ is not valid", async () => {
      assert.match(await bot.chat.ask("!help /(/"), /not a valid regular expression/);
    });

    it("answers an unknown topic with a pointer to apropos", async () => {
      assert.match(
        await bot.chat.ask("!help nonsense"),
        /No command or plugin is called "nonsense".*!apropos nonsense/,
      );
    });

    it("apropos searches summaries and parameter docs", async () => {
      const reply = await bot.chat.ask("!apropos memory");
      assert.match(reply, /!status/);
      assert.doesNotMatch(reply, /!echo/);
      assert.match(await bot.chat.ask("!apropos xyzzy"), /No command you can run mentions "xyzzy"/);
    });
  });

  describe("health", () => {
    it("status shows version, backend, plugins and memory", async () => {
      const reply = await bot.chat.ask("!status");
      assert.match(reply, new RegExp(`Errand ${hostVersion.replace(/\./g, "\\.")}, up \\d+s, on console`));
      const core = loadCoreCatalog().map((p) => p.name);
      assert.ok(
        reply.includes(`Plugins: ${core.length} active of ${core.length} (${core.join(", ")}).`),
        reply,
      );
      assert.match(reply, /Memory: \d+ MiB resident/);
    });

    it("status says how long the bot took over its recent messages", async () => {
      assert.match(await bot.chat.ask("!status"), /Handling: no messages yet\./);
      for (const word of ["a", "b", "c"]) await bot.chat.ask(`!echo ${word}`);
      // Talk that no listener wants is let pass: not counted.
      assert.deepEqual(await bot.chat.say("just chatting", { room: "ops" }), []);
      const reply = await bot.chat.ask("!status");
      const m = /Handling: p50 ([\d.]+) ms, p99 ([\d.]+) ms, over the last (\d+) messages it acted on/.exec(
        reply,
      );
      assert.ok(m, reply);
      assert.ok(Number(m[1]) > 0 && Number(m[1]) <= Number(m[2]), reply);
      // The first !status once it was done, and the three echoes.
      assert.equal(Number(m[3]), 4);
      assert.doesNotMatch(reply, /In progress/, "the !status asking is not one of them");
    });

    it("status run again with !! does not count its own !! as another message in progress", async () => {
      await bot.chat.ask("!status");
      const reply = await bot.chat.ask("!!");
      assert.match(reply, /Handling: p50/, reply);
      assert.doesNotMatch(reply, /In progress/, reply);
    });

    it("uptime and about answer", async () => {
      assert.match(await bot.chat.ask("!uptime"), /^Up \d+s, since \d{4}-/);
      assert.match(
        await bot.chat.ask("!about"),
        new RegExp(`Errand ${hostVersion.replace(/\./g, "\\.")}.*Node\\.js v20`),
      );
    });
  });

  describe("utils", () => {
    it("echo repeats the text as typed", async () => {
      assert.equal(await bot.chat.ask('!echo hi  "there you" it\'s'), 'hi  "there you" it\'s');
    });

    it("echo without text says how to use it", async () => {
      assert.match(await bot.chat.ask("!echo"), /Nothing to echo/);
    });

    it("whoami tells an admin from a non-admin", async () => {
      assert.match(await bot.chat.ask("!whoami"), /id: console:operator[\s\S]*admin: yes/);
      assert.match(
        await bot.chat.ask("!whoami", { as: "bob", room: "ops" }),
        /id: console:bob[\s\S]*admin: no\nwhere: #ops/,
      );
    });
  });

  describe("history", () => {
    it("shows only the asking user's own commands, numbered", async () => {
      await bot.chat.ask("!echo mine");
      await bot.chat.ask("!echo theirs", { as: "bob" });
      const reply = await bot.chat.ask("!history");
      assert.match(reply, /1 {2}!echo mine/);
      assert.match(reply, /2 {2}!history/);
      assert.doesNotMatch(reply, /theirs/);
    });

    it("!! runs my last command again, shows it, and records the command, not !!", async () => {
      await bot.chat.ask("!echo again");
      assert.equal(await bot.chat.ask("!!"), "> !echo again\nagain");
      assert.equal(await bot.chat.ask("!!"), "> !echo again\nagain");
      const reply = await bot.chat.ask("!history");
      assert.match(reply, /1 {2}!echo again\n\s+2 {2}!echo again\n\s+3 {2}!echo again\n\s+4 {2}!history/);
    });

    it("!! N runs command number N", async () => {
      await bot.chat.ask("!echo one");
      await bot.chat.ask("!echo two");
      assert.equal(await bot.chat.ask("!! 1"), "> !echo one\none");
    });

    it("!! with nothing to run, or a bad number, says so", async () => {
      assert.match(await bot.chat.ask("!!", { as: "newbie" }), /no command to run again/);
      assert.match(await bot.chat.ask("!! 42"), /no command number 42/);
      assert.match(await bot.chat.ask("!! x"), /not a number/);
    });

    it("!! cannot run another user's command", async () => {
      await bot.chat.ask("!echo secret", { as: "alice" });
      assert.match(await bot.chat.ask("!! 1", { as: "mallory" }), /no command number 1/);
    });

    it("limits and validates the count", async () => {
      assert.match(await bot.chat.ask("!history x"), /"x" is not a number/);
      assert.match(await bot.chat.ask("!history 1"), /Your last 1 command /);
    });

    it("says that N must be 1 or more for 0 or a negative N, not that it is not a number", async () => {
      for (const command of ["!history 0", "!history -3", "!! 0"]) {
        const reply = await bot.chat.ask(command);
        assert.match(reply, /N must be 1 or more/, command);
        assert.doesNotMatch(reply, /not a number/, command);
      }
      assert.match(await bot.chat.ask("!history 99999999999"), /^Your last \d+ commands/);
      assert.match(await bot.chat.ask("!! 99999999999999999999"), /no command number 99999999999999999999/);
    });

    it("survives a restart", async () => {
      await bot.chat.ask("!echo before restart");
      await bot.stop();
      bot = await startBot(dir.path);
      assert.match(await bot.chat.ask("!history"), /1 {2}!echo before restart/);
      assert.equal(await bot.chat.ask("!! 1"), "> !echo before restart\nbefore restart");
    });
  });

  describe("prefix", () => {
    it("follows the configured prefix in help and history", async () => {
      await bot.stop();
      bot = await startBot(dir.path, ["--prefix", "?"]);
      assert.match(await bot.chat.ask("?help"), /\?echo \[text\.\.\.\]/);
      assert.deepEqual(await bot.chat.say("!echo x", { room: "ops" }), []);
    });
  });
});
