import assert from "node:assert/strict";
import { resolve } from "node:path";
import { packageRoot } from "../../src/paths.js";
import { GUEST_UTF8_LENGTH } from "../../src/sandbox/guest-store.js";
import { startBot } from "../helpers/start-bot.js";
import { makeTempDir } from "../helpers/temp-dir.js";

const keeper = resolve(packageRoot, "test", "fixtures", "plugins", "store-keeper");

describe("a sandboxed plugin's store, as its isolate keeps it", function () {
  this.timeout(60_000);
  let dir: ReturnType<typeof makeTempDir>;
  let bot: Awaited<ReturnType<typeof startBot>>;
  const start = async () => {
    bot = await startBot(dir.path, ["--plugin-paths", keeper, "--plugin-store-quota-mb", "1"]);
  };

  beforeEach(async () => {
    dir = makeTempDir();
    await start();
  });
  afterEach(async () => {
    await bot.stop();
    dir.remove();
  });

  it("counts bytes as the host does", () => {
    const utf8Length = new Function(`return ${GUEST_UTF8_LENGTH}`)() as (s: string) => number;
    const samples = ["", "plain", "é", "€", "😀", "a😀b", "\ud800", "\udc00x", "\ud800\ud800", "x\udbff"];
    let seed = 7;
    for (let i = 0; i < 200; i++) {
      let s = "";
      for (let j = 0; j < 20; j++) {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        s += String.fromCharCode(seed % 0x10000);
      }
      samples.push(s);
    }
    for (const s of samples) assert.equal(utf8Length(s), Buffer.byteLength(s), JSON.stringify(s));
  });

  it("fills its quota to the byte with many-byte characters, as the host counts them", async () => {
    // Four values of 260,003 bytes (two-byte é, the quotes, the key), then 8,563 bytes of four-byte 😀.
    for (const key of ["a", "b", "c", "d"])
      assert.equal(await bot.chat.ask(`!put ${key} 130000 é`), "stored");
    assert.match(
      await bot.chat.ask("!put e 2141 😀"),
      /^refused: Plugin store-keeper is out of store space \(quota 1048576 bytes\); delete keys it no longer needs\.$/,
    );
    assert.equal(await bot.chat.ask("!put e 2140 😀"), "stored");
    assert.match(await bot.chat.ask("!plugin info store-keeper"), /store: 1048575 bytes/);
    await bot.stop();
    await start();
    assert.equal(await bot.chat.ask("!length e"), "4280", "kept across a restart");
    assert.match(await bot.chat.ask("!put f 1 x"), /^refused: .*out of store space/, "the count survives");
    assert.equal(await bot.chat.ask("!remove a"), "deleted");
    assert.equal(await bot.chat.ask("!put f 1 x"), "stored");
  });

  it("refuses what the host refuses, with the host's words", async () => {
    assert.equal(
      await bot.chat.ask("!put big 262200 x"),
      'refused: Plugin store-keeper: the value for "big" is 262205 bytes; one value may hold 262144.',
    );
    assert.equal(
      await bot.chat.ask(`!put ${"k".repeat(257)} 1 x`),
      "refused: Plugin store-keeper: store keys are 1 to 256 characters.",
    );
    assert.equal(await bot.chat.ask("!length big"), "absent");
  });

  it("keeps what a command wrote before it threw", async () => {
    assert.match(await bot.chat.ask("!put then throw k"), /^store-keeper: thrown after the write/);
    assert.equal(await bot.chat.ask("!length k"), "4");
    await bot.stop();
    await start();
    assert.equal(await bot.chat.ask("!length k"), "4");
  });

  it("reads what it wrote without waiting, and keeps a write it did not wait for", async () => {
    assert.equal(await bot.chat.ask("!set then get fresh"), '"new"');
    assert.equal(await bot.chat.ask("!set and go later"), "gone");
    assert.equal(await bot.chat.ask("!length later"), "4");
    assert.equal(await bot.chat.ask("!rewrite n 10000"), "10000");
    await bot.stop();
    await start();
    assert.equal(await bot.chat.ask("!length later"), "4");
    assert.equal(await bot.chat.ask("!set then get fresh"), '"new"');
  });

  it("answers a read of a key that a read started as a call ended was fetching", async () => {
    for (const key of ["k1", "k2", "k3", "k4"]) {
      assert.equal(await bot.chat.ask(`!late read ${key}`), "ok");
      assert.equal(await bot.chat.ask(`!length ${key}`), "absent");
    }
  });

  it("hands out copies: changing what it read changes nothing stored", async () => {
    assert.equal(await bot.chat.ask("!mutate"), '{"n":1}');
  });

  it("stops a plugin that cheats its own checks, and the host keeps the store within its limits", async () => {
    assert.equal(await bot.chat.ask("!put k 3 x"), "stored");
    assert.match(
      await bot.chat.ask("!cheat"),
      /^Plugin store-keeper was stopped: its store writes were refused \(Plugin store-keeper: the value for "cheat" is 280007 bytes; one value may hold 262144\.\)/,
    );
    assert.equal(await bot.chat.ask("!length cheat"), "absent");
    assert.equal(await bot.chat.ask("!length k"), "3", "it serves again, knowing the store as it is");
  });
});
