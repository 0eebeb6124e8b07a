import assert from "node:assert/strict";
import { ErrorCode } from "../../../src/errors.js";
import { BOT_ID, BOT_USER_ID, type FakeSlack } from "../../fakes/fake-slack.js";
import { useSlackBot } from "../../helpers/start-slack-bot.js";

describe("Slack backend over Socket Mode (Bolt against a fake Slack)", function () {
  this.timeout(20_000);
  const slack = useSlackBot({
    transport: "socket",
    flags: ["--admins", "slack:UALICE", "--trusted-bots", "slack:BCI"],
  });
  let fake: FakeSlack;
  let bot: typeof slack.bot;
  before(() => {
    ({ fake, bot } = slack);
  });

  /** One message event, delivered as Slack does; resolves with its ack. */
  async function say(event: Record<string, unknown>, eventId?: string) {
    const ts = fake.nextTs();
    const payload = fake.eventCallback({ type: "message", channel_type: "channel", ts, ...event }, eventId);
    const ack = await fake.sendEnvelope("events_api", payload);
    return { ts, eventId: payload.event_id, ack, payload };
  }

  const posted = slack.posted;

  const newPosts = slack.newPosts;

  it("connects with apps.connections.open (app token) and auth.test (bot token)", () => {
    assert.equal(fake.socketCount, 1);
    assert.equal(fake.callsOf("apps.connections.open")[0]?.status, 200);
    assert.equal(fake.callsOf("auth.test").length, 1, "who the bot is is asked once");
  });

  it("runs a prefixed command in a channel and answers there, with names from the Web API", async () => {
    const { ack } = await say({ user: "UALICE", channel: "COPS", text: "!whoami" });
    assert.deepEqual(Object.keys(ack.payload ?? {}), [], "an events_api envelope is acked with no payload");
    const [reply] = await posted(1);
    assert.equal(reply?.channel, "COPS");
    assert.equal(reply?.thread_ts, undefined);
    assert.equal(reply?.text, "user: alice\nid: slack:UALICE\nbackend: slack\nadmin: yes\nwhere: #ops");
  });

  it("leaves plain chatter in a channel alone", async () => {
    const { ts } = await say({ user: "UBOB", channel: "COPS", text: "echo nobody asked" });
    assert.equal((await bot.waitSettled(ts))[0]?.outcome, "handled");
    assert.deepEqual(newPosts(), []);
  });

  it("takes a mention as addressing the bot, and runs a message that comes as message and app_mention once", async () => {
    const ts = fake.nextTs();
    const event = { user: "UBOB", channel: "COPS", text: `<@${BOT_USER_ID}> echo by mention`, ts };
    const first = fake.eventCallback({ type: "message", channel_type: "channel", ...event });
    const second = fake.eventCallback({ type: "app_mention", ...event });
    await fake.sendEnvelope("events_api", first);
    await fake.sendEnvelope("events_api", second);
    const outcomes = (await bot.waitSettled(ts, 2)).map((s) => s.outcome).sort();
    assert.deepEqual(outcomes, ["duplicate", "handled"]);
    assert.deepEqual(
      newPosts().map((p) => [p.channel, p.text]),
      [["COPS", "by mention"]],
    );
  });

  it("takes a direct message without a prefix, and answers in that conversation", async () => {
    const dm = fake.dmOf("UBOB");
    await say({ user: "UBOB", channel: dm, channel_type: "im", text: "whoami" });
    const [reply] = await posted(1);
    assert.equal(reply?.channel, dm);
    assert.match(
      reply?.text ?? "",
      /^user: Bob Builder\nid: slack:UBOB\nbackend: slack\nadmin: no\nwhere: direct message$/,
    );
  });

  it("answers a command in a thread in that thread", async () => {
    const parent = fake.nextTs();
    await say({ user: "UALICE", channel: "COPS", text: "!echo threaded", thread_ts: parent });
    const [reply] = await posted(1);
    assert.deepEqual([reply?.channel, reply?.thread_ts, reply?.text], ["COPS", parent, "threaded"]);
  });

  it("acknowledges the slash command at once and answers in the channel", async () => {
    const ack = await fake.sendEnvelope(
      "slash_commands",
      fake.slashCommand({ text: "echo slashed", user_id: "UBOB", channel_id: "CRANDOM" }),
    );
    assert.deepEqual(ack.payload, { response_type: "in_channel" });
    const [reply] = await posted(1);
    assert.deepEqual([reply?.channel, reply?.thread_ts, reply?.text], ["CRANDOM", undefined, "slashed"]);
  });

  it("answers a slash command from a channel it is not in through the command's response_url", async () => {
    await fake.sendEnvelope(
      "slash_commands",
      fake.slashCommand({ text: "echo **from** outside", user_id: "UBOB", channel_id: "COUTSIDE" }),
    );
    const [reply] = await posted(1);
    assert.deepEqual(
      [reply?.channel, reply?.via, reply?.text],
      ["COUTSIDE", "response_url", "*from* outside"],
    );
    const refused = fake.callsOf("chat.postMessage").filter((c) => c.params.channel === "COUTSIDE");
    assert.equal(refused.length, 1, "chat.postMessage was tried first");
  });

  it("runs an event Slack delivers again (retry_attempt) once", async () => {
    const first = await say({ user: "UALICE", channel: "COPS", text: "!echo once" });
    const again = await fake.sendEnvelope("events_api", first.payload, {
      retryAttempt: 1,
      retryReason: "timeout",
    });
    assert.equal(typeof again.envelope_id, "string", "the retry is acknowledged too");
    const outcomes = (await bot.waitSettled(first.eventId, 2)).map((s) => s.outcome).sort();
    assert.deepEqual(outcomes, ["duplicate", "handled"]);
    assert.deepEqual(
      newPosts().map((p) => p.text),
      ["once"],
    );
  });

  it("ignores its own messages and untrusted bots, and obeys a bot in trustedBots", async () => {
    const own = await say({ user: BOT_USER_ID, bot_id: BOT_ID, channel: "COPS", text: "!echo loop" });
    assert.equal((await bot.waitSettled(own.ts))[0]?.outcome, "ignored");
    const spam = await say({
      subtype: "bot_message",
      bot_id: "BSPAM",
      username: "spam",
      channel: "COPS",
      text: "!echo spam",
    });
    assert.equal((await bot.waitSettled(spam.ts))[0]?.outcome, "handled");
    assert.deepEqual(newPosts(), [], "neither runs a command");
    await say({
      user: "UCIBOT",
      bot_id: "BCI",
      bot_profile: { name: "ci" },
      channel: "COPS",
      text: "!whoami",
    });
    const [reply] = await posted(1);
    assert.match(reply?.text ?? "", /^user: ci\nid: slack:BCI\n/);
  });

  it("waits out a 429 (Retry-After) and posts the reply, once", async () => {
    const before = fake.callsOf("chat.postMessage").length;
    fake.rateLimit("chat.postMessage", 1);
    await say({ user: "UALICE", channel: "COPS", text: "!echo despite the rate limit" });
    const [reply] = await posted(1);
    assert.equal(reply?.text, "despite the rate limit");
    const calls = fake.callsOf("chat.postMessage").slice(before);
    assert.deepEqual(
      calls.map((c) => c.status),
      [429, 200],
    );
    const [limited, retried] = calls as unknown as [{ at: number }, { at: number }];
    assert.ok(
      retried.at - limited.at >= 1000,
      `retried after ${retried.at - limited.at} ms, not after Retry-After`,
    );
    assert.equal(fake.posts.slice(slack.mark).length, 1);
  });

  it("splits a long reply on line boundaries, closing and reopening a code block across the cut", async () => {
    const lines = Array.from(
      { length: 160 },
      (_, i) => `line ${String(i).padStart(3, "0")} ${"x".repeat(40)}`,
    );
    const text = [...lines.slice(0, 60), "```", ...lines.slice(60, 120), "```", ...lines.slice(120)].join(
      "\n",
    );
    await say({ user: "UALICE", channel: "COPS", text: `!echo ${text}` });
    const parts = await fake.waitForPosts(slack.mark + 3).then(async () => {
      // The reply is posted part after part; wait until the last line has arrived.
      for (;;) {
        const got = fake.posts.slice(slack.mark);
        if (got.some((p) => p.text.includes("line 159"))) return got;
        await fake.waitForPosts(fake.posts.length + 1);
      }
    });
    assert.ok(parts.length >= 3, `${parts.length} messages`);
    for (const p of parts) {
      assert.ok(p.text.length <= 3500, `a message of ${p.text.length} characters`);
      assert.equal(p.text.split("```").length % 2, 1, `unbalanced fences in:\n${p.text}`);
    }
    const seen = parts.flatMap((p) => p.text.split("\n")).filter((l) => l.startsWith("line "));
    assert.deepEqual(seen, lines, "every line once, in order, none cut");
  });

  it("posts to #channel by name and to @user in their direct conversation, looking names up once", async () => {
    await bot.backend.send("#secret", "**deploy** done, see [the log](https://ci.example.com/1)");
    await bot.backend.send("@alice", "psst");
    await bot.backend.send("@UBOB", "hello Bob");
    await bot.backend.send("#secret", "again");
    const listed = fake.callsOf("conversations.list").length;
    assert.deepEqual(
      newPosts().map((p) => [p.channel, p.text]),
      [
        ["GSECRET", "*deploy* done, see <https://ci.example.com/1|the log>"],
        [fake.dmOf("UALICE"), "psst"],
        [fake.dmOf("UBOB"), "hello Bob"],
        ["GSECRET", "again"],
      ],
    );
    assert.equal(listed, 1, "#secret was looked up once");
    await assert.rejects(bot.backend.send("#nowhere", "x"), (e: Error & { code?: string }) => {
      return e.code === ErrorCode.NotFound && /#nowhere/.test(e.message);
    });
    await assert.rejects(bot.backend.send("#outside", "x"), /invite me/);
    await assert.rejects(bot.backend.send("ops", "x"), /#channel or @user/);
  });

  it("asks users.info once for the first messages of a new user that arrive together", async () => {
    const before = fake.callsOf("users.info").filter((c) => c.params.user === "UCAROL").length;
    const [a, b] = await Promise.all([
      say({ user: "UCAROL", channel: "COPS", text: "!echo one" }),
      say({ user: "UCAROL", channel: "COPS", text: "!echo two" }),
    ]);
    await bot.waitSettled(a.ts);
    await bot.waitSettled(b.ts);
    await posted(2);
    assert.equal(fake.callsOf("users.info").filter((c) => c.params.user === "UCAROL").length - before, 1);
  });

  it("asks users.info once per user", () => {
    assert.equal(fake.callsOf("users.info").filter((c) => c.params.user === "UALICE").length, 1);
  });
});
