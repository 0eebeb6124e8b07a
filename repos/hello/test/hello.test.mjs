import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { loadPlugin } from "errand/testing";

const pluginDir = fileURLToPath(new URL("..", import.meta.url));

describe("hello", () => {
  let bot;
  before(async () => {
    bot = await loadPlugin(pluginDir);
  });
  after(() => bot.close());

  test("greets the sender, or the name given", async () => {
    assert.equal(await bot.ask("!hello"), "Hello, operator!");
    assert.equal(await bot.ask("!hello Ada", { as: "bob", room: "general" }), "Hello, Ada!");
  });

  test("keeps a tally of greetings in its store, across a restart", async () => {
    await bot.ask("!hello Ada");
    assert.equal(await bot.ask("!greetings"), "I have greeted 3 times; most often Ada (2), operator (1).");
    await bot.restart();
    assert.equal(await bot.ask("!greetings"), "I have greeted 3 times; most often Ada (2), operator (1).");
  });

  test("answers good morning in a room, without a command", async () => {
    assert.equal(await bot.ask("Good Morning, team", { as: "cleo", room: "general" }), "Good morning, cleo!");
    assert.deepEqual(await bot.say("nice weather", { room: "general" }), []);
  });

  test("documents its commands for !help", async () => {
    assert.match(
      await bot.ask("!help hello"),
      /^!hello \[name\] {2}\(plugin hello\)\nGreets you, or whoever you name/,
    );
  });
});

describe("hello, configured", () => {
  test("greets with the configured word", async () => {
    const bot = await loadPlugin(pluginDir, { config: { greeting: "Howdy" } });
    try {
      assert.equal(await bot.ask("!hello Sam"), "Howdy, Sam!");
    } finally {
      await bot.close();
    }
  });

  test("refuses a greeting that is not text", async () => {
    const bot = await loadPlugin(pluginDir);
    try {
      assert.match(await bot.ask('!plugin config hello {"greeting": 5}'), /greeting: must be string/);
      assert.equal(await bot.ask("!hello"), "Hello, operator!");
    } finally {
      await bot.close();
    }
  });
});
