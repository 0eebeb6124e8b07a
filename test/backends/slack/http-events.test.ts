import assert from "node:assert/strict";
import type { FakeSlack } from "../../fakes/fake-slack.js";
import { deliverToSlackEndpoint } from "../../fakes/slack-delivery.js";
import { SIGNING_SECRET, useSlackBot } from "../../helpers/start-slack-bot.js";

describe("Slack backend over HTTP events (signed deliveries to the bot's HTTP server)", function () {
  this.timeout(20_000);
  const slack = useSlackBot({
    transport: "http",
    flags: ["--admins", "slack:UALICE", "--slack-slash-command", "/ops-bot"],
  });
  let fake: FakeSlack;
  let bot: typeof slack.bot;
  before(() => {
    ({ fake, bot } = slack);
  });

  const deliver = (payload: Record<string, unknown>, options = {}) =>
    deliverToSlackEndpoint(bot.eventsUrl, SIGNING_SECRET, payload, options);

  const message = (text: string, extra: Record<string, unknown> = {}) =>
    fake.eventCallback({
      type: "message",
      channel_type: "channel",
      user: "UALICE",
      channel: "COPS",
      text,
      ts: fake.nextTs(),
      ...extra,
    });

  const posted = slack.posted;

  it("opens no Socket Mode connection, and answers Slack's URL verification", async () => {
    assert.equal(fake.callsOf("apps.connections.open").length, 0);
    const res = await deliver({
      token: "t",
      challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
      type: "url_verification",
    });
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse(res.body), {
      challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
    });
  });

  it("acknowledges a signed event and runs its command", async () => {
    const res = await deliver(message("!echo over http"));
    assert.equal(res.status, 200);
    const [reply] = await posted(1);
    assert.deepEqual([reply?.channel, reply?.text], ["COPS", "over http"]);
  });

  it("answers a command in a thread in that thread", async () => {
    const parent = fake.nextTs();
    await deliver(message("!echo in the thread", { thread_ts: parent }));
    const [reply] = await posted(1);
    assert.deepEqual([reply?.thread_ts, reply?.text], [parent, "in the thread"]);
  });

  it("refuses a request signed with another secret, or not signed, and runs nothing", async () => {
    const forged = await deliver(message("!echo forged"), { signWith: "not-the-secret" });
    assert.equal(forged.status, 401);
    assert.match(forged.body, /X-Slack-Signature/);
    const unsigned = await deliver(message("!echo unsigned"), { signature: "" });
    assert.equal(unsigned.status, 401);
    const v1 = await deliver(message("!echo v1"), { signature: "v1=abc" });
    assert.equal(v1.status, 401);
    // Refused before anything is handed on: nothing can be in flight.
    assert.deepEqual(fake.posts.slice(slack.mark), []);
  });

  it("refuses a request whose timestamp is more than five minutes away, even correctly signed", async () => {
    const now = Math.floor(Date.now() / 1000);
    const old = await deliver(message("!echo replayed"), { timestamp: now - 6 * 60 });
    assert.equal(old.status, 401);
    assert.match(old.body, /more than 5 minutes/);
    const future = await deliver(message("!echo from the future"), { timestamp: now + 6 * 60 });
    assert.equal(future.status, 401);
    const recent = await deliver(message("!echo four minutes late"), { timestamp: now - 4 * 60 });
    assert.equal(recent.status, 200);
    const [reply] = await posted(1);
    assert.equal(reply?.text, "four minutes late");
    assert.equal(fake.posts.length, slack.mark + 1);
  });

  it("runs an event once when Slack retries it (X-Slack-Retry-Num)", async () => {
    const event = message("!echo just once");
    const first = await deliver(event);
    const second = await deliver(event, { retryNum: 1, retryReason: "http_timeout" });
    const third = await deliver(event, { retryNum: 2, retryReason: "http_error" });
    assert.deepEqual([first.status, second.status, third.status], [200, 200, 200]);
    const outcomes = (await bot.waitSettled(event.event_id, 3)).map((s) => s.outcome).sort();
    assert.deepEqual(outcomes, ["duplicate", "duplicate", "handled"]);
    assert.deepEqual(
      fake.posts.slice(slack.mark).map((p) => p.text),
      ["just once"],
    );
  });

  it("takes the configured slash command as a signed form, acknowledges it in the response, answers in the channel", async () => {
    const res = await deliver(
      fake.slashCommand({ command: "/ops-bot", text: "whoami", user_id: "UBOB", channel_id: "CRANDOM" }),
      { form: true },
    );
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse(res.body), { response_type: "in_channel" });
    const [reply] = await posted(1);
    assert.equal(reply?.channel, "CRANDOM");
    assert.match(reply?.text ?? "", /^user: Bob Builder\nid: slack:UBOB\n.*\nwhere: #random$/s);
  });

  it("does not answer a slash command it was not configured for", async () => {
    const res = await deliver(
      fake.slashCommand({ command: "/errand", text: "echo x", user_id: "UBOB", channel_id: "COPS" }),
      {
        form: true,
      },
    );
    assert.equal(res.status, 404);
  });

  it("keeps /healthz and the webhooks beside /slack/events, and wants POST there", async () => {
    const base = bot.eventsUrl.replace("/slack/events", "");
    const health = (await (await fetch(`${base}/healthz`)).json()) as { backend: string };
    assert.equal(health.backend, "slack");
    const get = await fetch(bot.eventsUrl);
    assert.equal(get.status, 405);
    const hook = await fetch(`${base}/hooks/nope/hook`, { method: "POST", body: "{}" });
    assert.equal(hook.status, 404);
  });

  it("answers Slack's SSL check without a signature", async () => {
    const res = await deliver({ ssl_check: "1", token: "x" }, { form: true, signature: "" });
    assert.equal(res.status, 200);
  });
});
