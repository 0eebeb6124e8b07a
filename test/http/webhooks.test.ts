import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { sign } from "../../src/http/verify-signature.js";
import { packageRoot } from "../../src/paths.js";
import { startBot } from "../helpers/start-bot.js";
import { makeTempDir } from "../helpers/temp-dir.js";

const fixtures = resolve(packageRoot, "test", "fixtures", "plugins");

describe("the HTTP server and webhooks", function () {
  this.timeout(30_000);
  let dir: ReturnType<typeof makeTempDir>;
  let bot: Awaited<ReturnType<typeof startBot>>;
  let base: string;
  before(async () => {
    dir = makeTempDir();
    bot = await startBot(dir.path, [
      "--http-port",
      "0",
      "--webhook-rate-limit-per-minute",
      "1000",
      "--plugin-paths",
      `${join(fixtures, "automation")},${join(fixtures, "unprivileged")}`,
    ]);
    base = `http://127.0.0.1:${bot.bot.httpPort}`;
  });
  after(async () => {
    await bot.stop();
    dir.remove();
  });

  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, {
      method: "POST",
      body,
      headers: { "content-type": "application/json", ...headers },
    });

  it("answers /healthz with status, uptime and plugins", async () => {
    const res = await fetch(`${base}/healthz`);
    assert.equal(res.status, 200);
    const health = (await res.json()) as Record<string, unknown>;
    assert.equal(health.status, "ok");
    assert.equal(typeof health.uptimeSeconds, "number");
    assert.deepEqual(health.plugins, { active: 2, total: 2 });
  });

  it("passes an unsigned JSON body, headers and query to a hook without a secret, and returns its answer", async () => {
    const res = await post("/hooks/automation/echo?job=deploy", JSON.stringify({ build: 42 }), {
      "user-agent": "Jenkins",
    });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {
      got: { build: 42 },
      query: { job: "deploy" },
      method: "POST",
      agent: "Jenkins",
    });
  });

  it("states each answer's length in bytes instead of sending it in chunks", async () => {
    const expected = (value: unknown) => JSON.stringify(value);
    const answers: [Response, string][] = [
      [
        await post("/hooks/automation/echo", JSON.stringify({ name: "Zoë ✓" })),
        expected({ got: { name: "Zoë ✓" }, query: {}, method: "POST", agent: "node" }),
      ],
      [await post("/hooks/automation/announce", JSON.stringify({ text: "deployed" })), "posted"],
      [await post("/hooks/automation/status?status=202", "{}"), expected({ chosen: true })],
      [await post("/hooks/automation/nothing-here", "{}"), expected({ error: "not found" })],
    ];
    for (const [res, text] of answers) {
      assert.equal(res.headers.get("transfer-encoding"), null);
      assert.equal(res.headers.get("content-length"), String(Buffer.byteLength(text)));
      assert.equal(await res.text(), text);
    }
  });

  it("sends no length and no body with a 204 or 304 a hook chooses", async () => {
    for (const status of [204, 304]) {
      const res = await post(`/hooks/automation/status?status=${status}`, "{}");
      assert.equal(res.status, status);
      assert.equal(res.headers.get("content-length"), null);
      assert.equal(await res.text(), "");
    }
  });

  it("parses a form body, and a JSON payload inside a form (GitHub's form encoding)", async () => {
    const form = await post("/hooks/automation/echo", "a=1&b=two+words", {
      "content-type": "application/x-www-form-urlencoded",
    });
    assert.deepEqual(((await form.json()) as { got: unknown }).got, { a: "1", b: "two words" });
    const gh = await post(
      "/hooks/automation/echo",
      `payload=${encodeURIComponent('{"ref":"refs/heads/main"}')}`,
      {
        "content-type": "application/x-www-form-urlencoded",
      },
    );
    assert.deepEqual(((await gh.json()) as { got: unknown }).got, { payload: { ref: "refs/heads/main" } });
  });

  it("lets a hook post into rooms, but not reply", async () => {
    const before = bot.chat.transcript.length;
    const res = await post("/hooks/automation/announce", JSON.stringify({ text: "build 42 passed" }));
    assert.equal(await res.text(), "posted");
    assert.deepEqual(bot.chat.transcript.slice(before), [
      { target: "#ops", text: "announced: build 42 passed" },
    ]);
    assert.equal((await post("/hooks/automation/replyFromHook", "{}")).status, 500);
  });

  it("requires a valid X-Hub-Signature-256 once the plugin has a webhookSecret", async () => {
    await bot.chat.ask("!plugin config automation webhookSecret=s3cret");
    const body = JSON.stringify({ build: 7 });
    assert.equal((await post("/hooks/automation/echo", body)).status, 401, "unsigned");
    assert.equal(
      (await post("/hooks/automation/echo", body, { "x-hub-signature-256": sign("wrong", body) })).status,
      401,
    );
    assert.equal(
      (await post("/hooks/automation/echo", body, { "x-hub-signature-256": "sha1=abc" })).status,
      401,
    );
    const signed = await post("/hooks/automation/echo", body, {
      "x-hub-signature-256": sign("s3cret", body),
    });
    assert.equal(signed.status, 200);
    assert.deepEqual(((await signed.json()) as { got: unknown }).got, { build: 7 });
    const tampered = await post("/hooks/automation/echo", JSON.stringify({ build: 8 }), {
      "x-hub-signature-256": sign("s3cret", body),
    });
    assert.equal(tampered.status, 401);
    await bot.chat.ask('!plugin config automation {"webhookSecret": ""}');
  });

  it("refuses a body over 1 MiB with 413", async () => {
    const res = await post("/hooks/automation/echo", JSON.stringify({ x: "y".repeat(1024 * 1024) }));
    assert.equal(res.status, 413);
  });

  it("answers 404 for unknown hooks, functions that are not hooks, and plugins without the webhooks permission", async () => {
    for (const path of [
      "/hooks/nope/echo",
      "/hooks/automation/nope",
      "/hooks/automation/remind",
      "/hooks/unprivileged/sneaky",
      "/elsewhere",
    ]) {
      assert.equal((await post(path, "{}")).status, 404, path);
    }
    assert.equal((await fetch(`${base}/hooks/automation/echo`)).status, 405);
  });

  it("answers 500 with an id and no details when the hook throws; the log has them", async () => {
    const res = await post("/hooks/automation/fail", "{}");
    assert.equal(res.status, 500);
    const body = (await res.json()) as { error: string; id: string };
    assert.equal(body.error, "the hook failed");
    assert.doesNotMatch(JSON.stringify(body), /hunter2/);
    const log = readFileSync(join(dir.path, "errand.log"), "utf8");
    assert.ok(
      log.split("\n").some((l) => l.includes(body.id) && l.includes("the database password")),
      "logged with its id",
    );
    assert.equal((await post("/hooks/automation/echo", "{}")).status, 200, "and the next request is served");
    assert.match(
      await bot.chat.ask("!plugin info automation", { as: "mallory" }),
      /last error: yes \(admins see it\)/,
    );
    assert.doesNotMatch(await bot.chat.ask("!plugin info automation", { as: "mallory" }), /hunter2/);
    assert.match(await bot.chat.ask("!plugin info automation"), /last error: .*hunter2/);
  });

  /** The bot again, on the same data, with a low webhook rate limit. */
  const restartWithRateLimit = async (perMinute: number) => {
    await bot.stop();
    bot = await startBot(dir.path, [
      "--http-port",
      "0",
      "--webhook-rate-limit-per-minute",
      String(perMinute),
      "--plugin-paths",
      join(fixtures, "automation"),
    ]);
    base = `http://127.0.0.1:${bot.bot.httpPort}`;
  };

  it("rate limits a flood with 429", async () => {
    await restartWithRateLimit(5);
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await post("/hooks/automation/echo", "{}")).status);
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429, 429]);
  });

  it("does not let unsigned junk use up a signed hook's allowance", async () => {
    await restartWithRateLimit(3);
    await bot.chat.ask("!plugin config automation webhookSecret=s3cret");
    for (let i = 0; i < 10; i++) assert.equal((await post("/hooks/automation/echo", "{}")).status, 401);
    const body = JSON.stringify({ ok: 1 });
    const signed = () =>
      post("/hooks/automation/echo", body, { "x-hub-signature-256": sign("s3cret", body) });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await signed()).status);
    assert.deepEqual(statuses, [200, 200, 200, 429]);
  });
});
