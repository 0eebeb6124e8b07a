import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { TestBackend } from "../../src/backends/test-backend.js";
import type { Command } from "../../src/commands/command.js";
import { Dispatcher } from "../../src/commands/dispatcher.js";
import { CommandRegistry } from "../../src/commands/registry.js";
import { PluginLimitError, UsageError } from "../../src/errors.js";
import { HistoryLog } from "../../src/history/history-log.js";
import { createLogger } from "../../src/log.js";
import type { Context } from "../../src/plugin-api/context.js";
import { decide } from "../../src/security/acl.js";
import { Store } from "../../src/storage/store.js";
import { command } from "../helpers/commands.js";
import { makeTempDir } from "../helpers/temp-dir.js";

describe("Dispatcher", () => {
  let dir: ReturnType<typeof makeTempDir>;
  let store: Store;
  let backend: TestBackend;
  let history: HistoryLog;
  let calls: { ctx: Context; positional: string[] }[];

  const withRun = (c: Command, run: Command["run"]): Command => ({ ...c, run });
  const recording = (c: Command): Command =>
    withRun(c, async (ctx, positional) => {
      calls.push({ ctx: ctx as Context, positional });
      return `ran ${c.name}`;
    });

  beforeEach(async () => {
    dir = makeTempDir();
    store = await Store.open(dir.path);
    calls = [];
    const registry = new CommandRegistry();
    registry.registerAll([
      recording(
        command("echo", "utils", {
          params: [{ name: "text", description: "", optional: false, rest: true }],
        }),
      ),
      recording(
        command("build", "ci", {
          params: [
            { name: "job", description: "", optional: false, rest: false },
            { name: "n", description: "", optional: true, rest: false },
          ],
        }),
      ),
      recording(command("repos", "repos")),
      recording(
        command("repos install", "repos", {
          params: [{ name: "url", description: "", optional: false, rest: false }],
        }),
      ),
      recording(command("shutdown", "admin", { admin: true })),
      withRun(command("crash", "buggy"), async () => {
        throw new Error("kaboom in the handler");
      }),
      withRun(command("refuse", "picky"), async () => {
        throw new UsageError("Say it nicely.");
      }),
      withRun(command("lines", "utils"), async () => ["one", "two"]),
      withRun(command("quiet", "utils"), async () => undefined),
      withRun(command("talk", "utils"), async (ctx) => {
        await (ctx as Context).reply("first");
        await (ctx as Context).send("#ops", "elsewhere");
        return "last";
      }),
    ]);
    backend = new TestBackend();
    history = new HistoryLog(store.sublevel("history"), store.journal);
    const dispatcher = new Dispatcher(registry, backend, history, createLogger(dir.path, "info"), {
      prefix: "!",
      maxMessageLength: 200,
      authorize: (message, command) =>
        decide(
          {
            userId: message.sender.id,
            groups: new Set(),
            isAdmin: message.sender.id === "console:operator",
            room: message.room,
          },
          { name: command.name, plugin: command.plugin, admin: command.doc.admin },
          [],
        ),
      rateLimit: () => ({ verdict: "ok", waitSeconds: 0 }),
      requestApproval: async () => "Request x1",
      audit: async () => {},
      pluginVersion: () => "1.0.0",
      isTrustedBot: (id) => id === "console:ci",
      extendContext: (ctx) => ctx,
      redact: (text) => text.replace(/token=\S+/, "token=•"),
      listeners: () => [
        {
          plugin: "greeter",
          match: async (text) => {
            const m = /^good (morning|night)\b/i.exec(text);
            return m ? [{ run: async () => `and a good ${m[1]} to you` }] : [];
          },
        },
        {
          plugin: "stopped",
          match: async () => {
            throw new PluginLimitError("Plugin stopped was stopped: it used more than 100 ms of CPU.");
          },
        },
      ],
    });
    void backend.run(async (m) => {
      await dispatcher.handle(m);
    });
  });

  afterEach(async () => {
    await backend.stop();
    await store.close();
    dir.remove();
  });

  it("runs a prefixed command and replies where it came from", async () => {
    assert.deepEqual(await backend.say("!repos", { room: "ops" }), [{ target: "#ops", text: "ran repos" }]);
  });

  it("takes a direct message without the prefix as a command", async () => {
    assert.equal(await backend.ask("repos"), "ran repos");
  });

  it("ignores unprefixed chatter in a room", async () => {
    assert.deepEqual(await backend.say("repos are great", { room: "ops" }), []);
    assert.equal(calls.length, 0);
  });

  it("takes the longest matching command and gives arguments and options", async () => {
    await backend.ask("!repos install file:///x ref=v1");
    assert.equal(calls[0]?.ctx.args.join(" "), "file:///x ref=v1");
    assert.deepEqual(calls[0]?.positional, ["file:///x"]);
    assert.equal(calls[0]?.ctx.options.ref, "v1");
    assert.equal(calls[0]?.ctx.text, "file:///x ref=v1");
  });

  it("gives the context the sender, room and conversation kind", async () => {
    await backend.say("!repos", { as: "alice", room: "dev" });
    const ctx = calls[0]?.ctx;
    assert.deepEqual(ctx?.user, { id: "console:alice", name: "alice" });
    assert.equal(ctx?.room, "#dev");
    assert.equal(ctx?.isDirect, false);
  });

  it("answers an unknown command with the closest known ones", async () => {
    assert.equal(await backend.ask("!ecoh hi"), "I don't know `!ecoh`. Did you mean `!echo`?");
  });

  it("points to help when nothing is close", async () => {
    assert.match(await backend.ask("!zzzzzzzz"), /I don't know `!zzzzzzzz`\. Type `!help`/);
  });

  it("suggests the subcommand when extra words follow a shorter command", async () => {
    const reply = await backend.ask("!repos instal file:///x");
    assert.match(reply, /got more arguments/);
    assert.match(reply, /Did you mean `!repos install`\?/);
    assert.equal(calls.length, 0);
  });

  it("refuses missing arguments with the usage line and runs nothing", async () => {
    assert.match(await backend.ask("!build"), /missing arguments\. Usage: `!build <job> \[n\]`/);
    assert.equal(calls.length, 0);
  });

  it("does not count options as positional arguments", async () => {
    assert.equal(await backend.ask("!build deploy 3 branch=main"), "ran build");
  });

  it("refuses an admin command to a non-admin with a clear reply, and runs nothing", async () => {
    assert.match(await backend.ask("!shutdown", { as: "bob" }), /`!shutdown` is for admins only/);
    assert.equal(calls.length, 0);
    assert.equal(await backend.ask("!shutdown"), "ran shutdown");
  });

  it("turns a crash into a short reply with an id that the log has with the stack", async () => {
    const reply = await backend.ask("!crash");
    const id = /error id ([0-9a-f]{8})/.exec(reply)?.[1];
    assert.ok(id, reply);
    assert.match(reply, /plugin buggy/);
    assert.doesNotMatch(reply, /kaboom/);
    const logLine = readFileSync(join(dir.path, "errand.log"), "utf8")
      .split("\n")
      .find((l) => l.includes(id));
    assert.ok(logLine);
    assert.match(logLine, /kaboom in the handler/);
    assert.match(logLine, /"stack"/);
    assert.equal(await backend.ask("!repos"), "ran repos");
  });

  it("passes a user-facing error through as written", async () => {
    assert.equal(await backend.ask("!refuse"), "Say it nicely.");
  });

  it("joins an array reply into lines and stays silent for no reply", async () => {
    assert.equal(await backend.ask("!lines"), "one\ntwo");
    assert.deepEqual(await backend.say("!quiet"), []);
  });

  it("lets a command reply several times and post elsewhere", async () => {
    assert.deepEqual(await backend.say("!talk", { room: "dev" }), [
      { target: "#dev", text: "first" },
      { target: "#ops", text: "elsewhere" },
      { target: "#dev", text: "last" },
    ]);
  });

  it("refuses an over-long message without parsing it", async () => {
    assert.match(await backend.ask(`!echo ${"x".repeat(300)}`), /limited to 200/);
    assert.equal(calls.length, 0);
  });

  it("answers a bare prefix with a pointer to help", async () => {
    assert.match(await backend.ask("!", { room: "ops" }), /Type `!help`/);
  });

  it("ignores bots unless they are trusted", async () => {
    assert.deepEqual(await backend.say("!repos", { as: "spammer", isBot: true }), []);
    assert.equal(await backend.ask("!repos", { as: "ci", isBot: true }), "ran repos");
  });

  it("runs listeners on chatter in a room, with the regex groups", async () => {
    assert.equal(await backend.ask("Good morning all", { room: "ops" }), "and a good morning to you");
    assert.deepEqual(await backend.say("not for anyone", { room: "ops" }), []);
  });

  it("leaves out a plugin whose @match test failed, and still runs the others' listeners", async () => {
    assert.deepEqual(await backend.say("good morning", { room: "ops" }), [
      { target: "#ops", text: "and a good morning to you" },
    ]);
    assert.match(await backend.ask("hello there"), /I don't know/);
  });

  it("lets a listener take plain talk in a direct message instead of 'I don't know'", async () => {
    assert.equal(await backend.ask("good night"), "and a good night to you");
    assert.match(await backend.ask("!good night"), /I don't know/);
  });

  it("records redacted text in history", async () => {
    await backend.ask("!echo token=hunter2");
    assert.deepEqual(
      (await history.recent("console:operator", 1)).map((e) => e.text),
      ["echo token=•"],
    );
  });

  it("records each run command in its user's history, without the prefix", async () => {
    await backend.ask("!repos");
    await backend.ask("!nothing-known");
    await backend.ask("!shutdown", { as: "bob" });
    assert.deepEqual(
      (await history.recent("console:operator", 10)).map((e) => e.text),
      ["repos"],
    );
    assert.deepEqual(
      (await history.recent("console:bob", 10)).map((e) => e.text),
      ["shutdown"],
    );
  });
});
