import assert from "node:assert/strict";
import { join, resolve } from "node:path";
import { packageRoot } from "../../src/paths.js";
import { ManualClock } from "../../src/scheduler/manual-clock.js";
import { startBot } from "../helpers/start-bot.js";
import { makeTempDir } from "../helpers/temp-dir.js";

const fixtures = resolve(packageRoot, "test", "fixtures", "plugins");
const plugins = `${join(fixtures, "automation")},${join(fixtures, "unprivileged")}`;

describe("timers and schedules", function () {
  this.timeout(30_000);
  let dir: ReturnType<typeof makeTempDir>;
  let clock: ManualClock;
  let bot: Awaited<ReturnType<typeof startBot>>;
  const start = () => startBot(dir.path, ["--plugin-paths", plugins], { clock });
  const restart = async () => {
    await bot.stop();
    bot = await start();
  };
  /** Moves the clock and runs what came due; returns what the bot posted meanwhile. */
  const advance = async (ms: number) => {
    const before = bot.chat.transcript.length;
    clock.advance(ms);
    await bot.bot.scheduler.tick();
    return bot.chat.transcript.slice(before);
  };
  beforeEach(async () => {
    dir = makeTempDir();
    clock = new ManualClock();
    bot = await start();
  });
  afterEach(async () => {
    await bot.stop();
    dir.remove();
  });

  describe("plugin timers (ctx.schedule)", () => {
    it("calls an exported function later, in the conversation and thread that set it", async () => {
      assert.match(
        await bot.chat.ask("!remind 30 stand up", { as: "amy", room: "dev", thread: "t1" }),
        /^Reminder t-\w+ set\.$/,
      );
      assert.deepEqual(await advance(29_000), []);
      assert.deepEqual(await advance(1_000), [
        { target: "#dev", text: "Reminder for amy: stand up", thread: "t1" },
      ]);
      assert.deepEqual(await advance(60_000), [], "an after-timer runs once");
    });

    it("resumes after a restart, and one that came due while the bot was down runs once at start", async () => {
      await bot.chat.ask("!remind 60 water the plants", { as: "amy" });
      await bot.chat.ask("!ticker start");
      await bot.stop();
      clock.advance(5 * 60_000); // down for five minutes
      bot = await start();
      const posted = await advance(0);
      assert.deepEqual(posted.map((p) => p.text).sort(), ["Reminder for amy: water the plants", "tick 1"]);
      assert.deepEqual(
        (await advance(60_000)).map((p) => p.text),
        ["tick 2"],
        "the ticker goes on, without making up missed runs",
      );
    });

    it("repeats with every(), and stops when cancelled", async () => {
      assert.match(await bot.chat.ask("!ticker start"), /Ticker t-\w+ started/);
      assert.deepEqual(
        (await advance(60_000)).map((p) => p.text),
        ["tick 1"],
      );
      assert.deepEqual(
        (await advance(60_000)).map((p) => p.text),
        ["tick 2"],
      );
      assert.equal(await bot.chat.ask("!ticker stop"), "Ticker stopped.");
      assert.deepEqual(await advance(120_000), []);
      assert.equal(await bot.chat.ask("!ticker stop"), "No ticker.");
    });

    it("are dropped when the plugin is deactivated", async () => {
      await bot.chat.ask("!ticker start");
      await bot.chat.ask("!remind 10 x");
      await bot.chat.ask("!plugin deactivate automation");
      assert.equal(bot.bot.timers.list("automation").length, 0);
      await bot.chat.ask("!plugin activate automation");
      assert.deepEqual(await advance(120_000), []);
    });

    it("need the schedule permission and an exported function", async () => {
      assert.match(
        await bot.chat.ask("!sneaky timer"),
        /may not use timers: its plugin\.json does not ask for "schedule"/,
      );
      assert.match(
        await bot.chat.ask("!bad timer"),
        /timers call exported functions; "notExported" is not one/,
      );
    });
  });

  describe("chat schedules (!schedule)", () => {
    it("run a command on a cron schedule into a room, showing the command, as their creator", async () => {
      const added = await bot.chat.ask('!schedule add "*/10 * * * * *" #ops !echo users online: 42', {
        as: "amy",
      });
      assert.match(
        added,
        /^Schedule s1: `!echo users online: 42` at "\*\/10 \* \* \* \* \*" into #ops, as amy\. Next run: 2026-11-24 09:00 UTC\.$/,
      );
      assert.deepEqual(await advance(10_000), [
        { target: "#ops", text: "⏰ s1 (amy): !echo users online: 42" },
        { target: "#ops", text: "users online: 42" },
      ]);
      assert.equal((await advance(10_000)).length, 2);
      assert.match(await bot.chat.ask("!audit 1"), /console:amy #ops `!echo users online: 42` allowed/);
    });

    it("are listed, and removed by their creator or an admin only", async () => {
      await bot.chat.ask('!schedule add "0 9 * * 1-5" tz=Europe/Paris !status', { as: "amy" });
      await bot.chat.ask('!schedule add "0 * * * *" #ops !uptime', { as: "bob" });
      assert.match(
        await bot.chat.ask("!schedule list", { as: "amy" }),
        /s1: "0 9 \* \* 1-5" Europe\/Paris \(direct\) `!status` by amy/,
      );
      assert.doesNotMatch(await bot.chat.ask("!schedule list", { as: "amy" }), /s2/);
      assert.match(await bot.chat.ask("!schedule list"), /s1[\s\S]*s2/);
      assert.match(
        await bot.chat.ask("!schedule remove s2", { as: "amy" }),
        /Schedule s2 is bob's; only they or an admin may remove it/,
      );
      assert.match(await bot.chat.ask("!schedule remove s2"), /Removed schedule s2/);
      assert.match(await bot.chat.ask("!schedule remove s9"), /No schedule s9/);
    });

    it("survive a restart", async () => {
      await bot.chat.ask('!schedule add "0 */5 * * * *" #ops !echo five', { as: "amy" });
      await restart();
      assert.deepEqual(
        (await advance(5 * 60_000)).map((p) => p.text),
        ["⏰ s1 (amy): !echo five", "five"],
      );
      assert.match(
        await bot.chat.ask('!schedule add "0 * * * *" !echo next', { as: "amy" }),
        /^Schedule s2:/,
        "ids go on",
      );
      await bot.chat.ask("!schedule remove s2", { as: "amy" });
      await restart();
      assert.match(
        await bot.chat.ask('!schedule add "0 * * * *" !echo again', { as: "amy" }),
        /^Schedule s3:/,
        "a removed id is not given out again",
      );
    });

    it("cannot multiply themselves, and a user may have only so many", async () => {
      assert.match(
        await bot.chat.ask('!schedule add "* * * * * *" !schedule add "* * * * * *" !echo x', { as: "amy" }),
        /A schedule cannot manage schedules/,
      );
      for (let i = 0; i < 20; i++) {
        assert.match(
          await bot.chat.ask(`!schedule add "0 ${i} * * *" !echo ${i}`, { as: "amy" }),
          /^Schedule s/,
        );
      }
      assert.match(
        await bot.chat.ask('!schedule add "0 23 * * *" !echo one too many', { as: "amy" }),
        /You have 20 schedules, the most a user may have/,
      );
      assert.match(await bot.chat.ask('!schedule add "0 23 * * *" !echo admin'), /^Schedule s21:/);
    });

    it("are refused at run time once the creator lost the permission", async () => {
      await bot.chat.ask('!schedule add "*/30 * * * * *" #ops !echo hi', { as: "amy" });
      await bot.chat.ask("!acl deny echo user:amy");
      const posted = await advance(30_000);
      assert.equal(posted[0]?.text, "⏰ s1 (amy): !echo hi");
      assert.match(
        posted[1]?.text ?? "",
        /You may not run `!echo` in #ops \(rule r1: deny "echo" user:console:amy\)/,
      );
    });

    it("refuse bad input with the usage", async () => {
      assert.match(
        await bot.chat.ask("!schedule add 0 9 * * * !echo x"),
        /Put the cron expression in quotes/,
      );
      assert.match(
        await bot.chat.ask('!schedule add "61 * * * *" !echo x'),
        /"61 \* \* \* \*" is not a cron expression/,
      );
      assert.match(
        await bot.chat.ask('!schedule add "0 9 * * *" tz=Mars/Olympus !echo x'),
        /not a time zone/,
      );
      assert.match(
        await bot.chat.ask('!schedule add "0 9 * * *" #ops echo x'),
        /The command must start with !/,
      );
      assert.match(
        await bot.chat.ask('!schedule add "0 9 * * *" !nonexistent'),
        /There is no command `!nonexistent`/,
      );
      assert.match(
        await bot.chat.ask('!schedule add "0 9 * * *" !audit', { as: "amy" }),
        /You may not run `!audit`, so you cannot schedule it/,
      );
    });
  });
});
