import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { packageRoot } from "../../src/paths.js";
import { startHttpServer } from "../helpers/http-server.js";
import { startBot } from "../helpers/start-bot.js";
import { makeTempDir } from "../helpers/temp-dir.js";

const fixtures = resolve(packageRoot, "test", "fixtures", "plugins");
const hostile = [
  "hostile-globals",
  "hostile-import",
  "hostile-prototype",
  "hostile-loop",
  "hostile-memory",
  "hostile-recursion",
  "hostile-never",
  "hostile-big-reply",
  "hostile-throw-load",
  "hostile-throw",
  "hostile-http",
  "hostile-redos",
  "slow-worker",
  "op-chatter",
  "greeter",
].map((name) => resolve(fixtures, name));

describe("hostile plugins are contained", function () {
  this.timeout(60_000);
  let dir: ReturnType<typeof makeTempDir>;
  let bot: Awaited<ReturnType<typeof startBot>>;
  let allowed: Awaited<ReturnType<typeof startHttpServer>>;
  let forbidden: Awaited<ReturnType<typeof startHttpServer>>;
  let forbiddenHits = 0;
  /** The bot's log so far (each test reads only what it added: a failure stays in its own test). */
  const logText = () => readFileSync(join(dir.path, "errand.log"), "utf8");

  before(async () => {
    dir = makeTempDir();
    forbidden = await startHttpServer((_req, res) => {
      forbiddenHits++;
      res.end("secret internal data");
    });
    allowed = await startHttpServer((req, res) => {
      if (req.url === "/redirect") {
        res.writeHead(302, { location: `${forbidden.url}/steal` });
        res.end();
        return;
      }
      res.end("allowed answer");
    });
    bot = await startBot(dir.path, [
      "--plugin-paths",
      hostile.join(","),
      "--plugins",
      JSON.stringify({ "hostile-http": { url: allowed.url } }),
    ]);
  });

  after(async () => {
    await bot.stop();
    await allowed.close();
    await forbidden.close();
    dir.remove();
  });

  /** After every hostile act, the bot and another plugin still answer. */
  async function assertStillServing(): Promise<void> {
    assert.equal(await bot.chat.ask("!echo still here"), "still here");
    assert.equal(await bot.chat.ask("!greet Ada"), "Hello, Ada.");
  }

  /** While `command` runs, `!echo meanwhile` (sent 30 ms after it) is answered first. */
  async function answersMeanwhile(command: string, reply: string): Promise<void> {
    const before = bot.chat.transcript.length;
    const running = bot.chat.say(command);
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal(await bot.chat.ask("!echo meanwhile"), "meanwhile");
    await running;
    assert.deepEqual(
      bot.chat.transcript.slice(before).map((s) => s.text),
      ["meanwhile", reply],
    );
  }

  it("sees no process, require, module, timers or host objects on the global object", async () => {
    const reply = await bot.chat.ask("!probe globals");
    assert.equal(
      reply,
      "process=undefined require=undefined module=undefined setTimeout=undefined fetch=undefined globals=",
    );
    await assertStillServing();
  });

  it("cannot import() a module", async () => {
    const reply = await bot.chat.ask("!probe import");
    assert.match(reply, /^hostile-import: .*not supported/i);
    await assertStillServing();
  });

  it("finds only its own isolate through the prototypes of what it is given", async () => {
    const reply = await bot.chat.ask("!probe prototypes");
    assert.equal(
      reply,
      "reply->process=undefined args->process=undefined user->process=undefined promise->process=undefined stored=null",
    );
    await assertStillServing();
  });

  it("stops an infinite loop at its CPU limit, then serves again", async () => {
    assert.match(
      await bot.chat.ask("!spin"),
      /Plugin hostile-loop was stopped: it used more than 200 ms of CPU/,
    );
    await assertStillServing();
    assert.equal(await bot.chat.ask("!fine"), "fine");
  });

  it("stops a loop that starts after an await", async () => {
    assert.match(
      await bot.chat.ask("!spin later"),
      /Plugin hostile-loop was stopped: it used more than 200 ms of CPU/,
    );
    await assertStillServing();
    assert.equal(await bot.chat.ask("!fine"), "fine");
  });

  it("reports a call stopped by the watchdog once, to the command, not again as a stop outside any call", async () => {
    const logStart = logText().length;
    assert.match(
      await bot.chat.ask("!burn then spin"),
      /Plugin hostile-loop was stopped: it used more than 200 ms of CPU/,
    );
    await assertStillServing();
    // The answer the loop ran for fails too, once the isolate is gone: that is not a second stop.
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.doesNotMatch(logText().slice(logStart), /while none of its calls ran/);
    assert.equal(await bot.chat.ask("!fine"), "fine");
  });

  it("never runs code that waits for an answer after its command has answered", async () => {
    const logStart = logText().length;
    assert.equal(await bot.chat.ask("!spin after return"), "returned");
    await assertStillServing();
    // Had the loop run, it would have been stopped at its 200 ms CPU limit, and the log would say so.
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.doesNotMatch(logText().slice(logStart), /while none of its calls ran/);
    assert.equal(await bot.chat.ask("!fine"), "fine");
  });

  it("moves a plugin that computes for long off the bot's thread, so the bot answers meanwhile", async () => {
    const moved =
      /Plugin slow-worker ran more than 10 ms for one call; it runs on its own thread from now on/;
    assert.equal(await bot.chat.ask("!busy 1"), "busy 1");
    assert.doesNotMatch(readFileSync(join(dir.path, "errand.log"), "utf8"), moved);
    // 60 ms of wall clock: more than 10 ms of CPU even on a crowded machine.
    assert.equal(await bot.chat.ask("!busy 60"), "busy 60");
    assert.match(readFileSync(join(dir.path, "errand.log"), "utf8"), moved);
    await answersMeanwhile("!busy 150", "busy 150");
    // Stopped at its limit and started again, it stays off the bot's thread.
    assert.match(
      await bot.chat.ask("!busy 900"),
      /Plugin slow-worker was stopped: it used more than 500 ms of CPU/,
    );
    await answersMeanwhile("!busy 150", "busy 150");
  });

  it("lets the bot answer while a plugin asks it for something over and over", async () => {
    await answersMeanwhile("!chatter 300", "chattered many");
  });

  it("runs nothing for a context kept past the end of its call", async () => {
    assert.equal(await bot.chat.ask("!keep"), "kept");
    assert.match(
      await bot.chat.ask("!use kept 8"),
      /^(started|Plugin op-chatter was stopped: it used more than 1000 ms of CPU\.)$/,
    );
    // Idle, the bot (this process) spends next to no CPU: the refusals do not come back as answers.
    const before = process.cpuUsage();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const used = process.cpuUsage(before);
    assert.ok(used.user + used.system < 250_000, `the idle bot used ${used.user + used.system} µs of CPU`);
    assert.equal(await bot.chat.ask("!echo after"), "after");
    assert.equal(await bot.chat.ask("!log kept"), "tried");
    assert.doesNotMatch(readFileSync(join(dir.path, "errand.log"), "utf8"), /from a kept context/);
  });

  it("lets one call ask the host at most 10,000 times", async () => {
    assert.equal(await bot.chat.ask("!ask many 2000"), "spammed");
    assert.match(
      await bot.chat.ask("!ask many 10000"),
      /^op-chatter: Plugin op-chatter: one call may ask the host at most 10000 times\./,
    );
  });

  it("writes up to 100 console lines for each call", async () => {
    for (let i = 0; i < 3; i++) assert.equal(await bot.chat.ask("!console lines 60"), "written");
    const log = readFileSync(join(dir.path, "errand.log"), "utf8");
    assert.equal(log.match(/console line \d+/g)?.length, 180);
  });

  it("writes at most 100 log lines for one call", async () => {
    assert.equal(await bot.chat.ask("!flood log"), "logged");
    const log = readFileSync(join(dir.path, "errand.log"), "utf8");
    assert.equal(log.match(/flood line \d+/g)?.length, 100);
    assert.match(log, /Plugin op-chatter logged more than 100 lines in one call; the rest are dropped/);
  });

  it("stops a memory bomb at its memory limit", async () => {
    assert.match(
      await bot.chat.ask("!bomb"),
      /Plugin hostile-memory was stopped: it used more than its 16 MB of memory/,
    );
    await assertStillServing();
  });

  it("contains deep recursion as an error of the plugin", async () => {
    assert.match(await bot.chat.ask("!recurse"), /^hostile-recursion: Maximum call stack size exceeded/);
    await assertStillServing();
  });

  it("gives up on a promise that never settles at the wall-clock limit", async () => {
    assert.match(
      await bot.chat.ask("!hang"),
      /Plugin hostile-never was stopped: it did not finish within 300 ms/,
    );
    await assertStillServing();
  });

  it("cuts a 10 MB reply to the size limit, saying so", async () => {
    const reply = await bot.chat.ask("!flood");
    assert.ok(reply.length < 41_000, `reply of ${reply.length}`);
    assert.match(reply, /cut: the reply was 10000000 characters; the limit is 40000/);
    await assertStillServing();
  });

  it("cannot post more than 20 messages for one command", async () => {
    const said = await bot.chat.say("!spam");
    assert.equal(said.filter((s) => s.text.startsWith("spam ")).length, 20);
    assert.match(said.at(-1)?.text ?? "", /posted more than 20 messages for one command/);
  });

  it("reports a plugin that throws while loading, and keeps the others", async () => {
    const list = await bot.chat.ask("!plugin list");
    assert.match(
      list,
      /hostile-throw-load 1\.0\.0: failed \(Plugin hostile-throw-load failed while loading: .*boom while loading\)/,
    );
    assert.match(
      await bot.chat.ask("!unreachable"),
      /belongs to plugin hostile-throw-load, which is failed \(.*boom while loading\)/,
    );
    await assertStillServing();
  });

  it("answers a throw in a command with the plugin's name, message and an error id the log has with the stack", async () => {
    const reply = await bot.chat.ask("!explode");
    const id = /^hostile-throw: the flux capacitor broke \(error id ([0-9a-f]{8})\)$/.exec(reply)?.[1];
    assert.ok(id, reply);
    const logged = readFileSync(join(dir.path, "errand.log"), "utf8")
      .split("\n")
      .find((l) => l.includes(id));
    assert.match(logged ?? "", /"stack":".*flux capacitor broke.*plugins\/hostile-throw\/bundle\.js/);
    assert.match(await bot.chat.ask("!throw string"), /^hostile-throw: /);
    assert.match(await bot.chat.ask("!bad return"), /^hostile-throw: a command returned number/);
    await assertStillServing();
  });

  it("tests a @match pattern in the plugin's sandbox: a catastrophic one stops that plugin, not the bot", async () => {
    assert.equal(await bot.chat.ask("aaaa", { room: "ops" }), "heard 4 a's");
    // On the host, this one message would block the bot for about a minute.
    const redos = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab";
    const sayRedos = async () => {
      const said = await bot.chat.say(redos, { as: "mallory", room: "ops" });
      assert.deepEqual(
        said.filter((s) => s.target === "#ops"),
        [],
        "the message is not matched",
      );
      assert.equal(await bot.chat.ask("!echo after"), "after");
      assert.equal(await bot.chat.ask("ping", { as: "zed", room: "ops" }), "pong zed");
      return said;
    };
    await sayRedos();
    assert.match(
      await bot.chat.ask("!plugin info hostile-redos"),
      /last error: Plugin hostile-redos was stopped: it used more than 100 ms of CPU, testing a message against its @match patterns/,
    );
    assert.equal(await bot.chat.ask("aaaa", { room: "ops" }), "heard 4 a's", "it serves again");

    await sayRedos();
    await sayRedos();
    const said = await sayRedos();
    assert.match(
      said.find((s) => s.target === "@operator")?.text ?? "",
      /Plugin hostile-redos was deactivated after 3 failures in a row \(last: Plugin hostile-redos was stopped: it used more than 100 ms of CPU/,
    );
    assert.deepEqual(await bot.chat.say("aaaa", { room: "ops" }), []);
    await assertStillServing();
  });

  it("reaches its granted host, but no other host, not even through a redirect", async () => {
    assert.equal(await bot.chat.ask(`!fetch url ${allowed.url}/ok`), "200 allowed answer");
    assert.match(
      await bot.chat.ask(`!fetch url ${forbidden.url}/steal`),
      new RegExp(
        `may not reach 127\\.0\\.0\\.1:${forbidden.port}: it is not in the plugin's permissions\\.net \\(config:url\\)`,
      ),
    );
    assert.match(
      await bot.chat.ask(`!fetch url ${allowed.url}/redirect`),
      /may not reach .* \(a redirect from/,
    );
    assert.match(await bot.chat.ask("!fetch url file:///etc/passwd"), /may not reach/);
    assert.equal(forbiddenHits, 0);
    await assertStillServing();
  });
});
