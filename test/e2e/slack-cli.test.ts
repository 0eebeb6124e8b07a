import assert from "node:assert/strict";
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { FakeSlack } from "../fakes/fake-slack.js";
import { deliverToSlackEndpoint } from "../fakes/slack-delivery.js";
import { cleanEnv, cliPath, runCli } from "../helpers/run-cli.js";
import { makeTempDir } from "../helpers/temp-dir.js";

const SECRET = "e2e-signing-secret";

/** The developer's own SLACK_* variables must not leak into these runs. */
function env(slack: Record<string, string>): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(cleanEnv()).filter(([k]) => !k.startsWith("SLACK_")));
  return { ...base, ...slack };
}

/** Resolves with the first match of `pattern` in the child's stdout, or fails when it exits first. */
function waitForStdout(child: ChildProcessWithoutNullStreams, pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    const onData = (b: Buffer) => {
      out += b.toString();
      const m = pattern.exec(out);
      if (m) {
        child.stdout.off("data", onData);
        child.off("close", onClose);
        resolve(m);
      }
    };
    const onClose = (code: number | null) =>
      reject(new Error(`errand exited with ${code} before printing ${pattern}:\n${out}\n${err}`));
    child.stdout.on("data", onData);
    child.stderr.on("data", (b: Buffer) => {
      err += b.toString();
    });
    child.once("close", onClose);
  });
}

async function stopChild(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const closed = once(child, "close");
  child.kill("SIGTERM");
  const [code] = (await closed) as [number | null];
  return code;
}

describe("errand start --backend slack (end to end, the real CLI against a fake Slack)", function () {
  this.timeout(60_000);
  let fake: FakeSlack;
  let dir: ReturnType<typeof makeTempDir>;
  let data: string;
  before(async () => {
    fake = await FakeSlack.start();
  });
  after(async () => {
    await fake?.close();
  });
  beforeEach(() => {
    dir = makeTempDir();
    data = join(dir.path, "data");
  });
  afterEach(() => dir.remove());

  describe("refuses to start, with exit code 2 and what to set, when", () => {
    const cases: [string, string[], Record<string, string>, RegExp][] = [
      ["there is no bot token", [], {}, /needs SLACK_BOT_TOKEN: the Bot User OAuth Token \(xoxb-/],
      [
        "there is neither an app token nor a signing secret",
        [],
        { SLACK_BOT_TOKEN: "xoxb-1" },
        /needs SLACK_APP_TOKEN \(xapp-\.\.\., for Socket Mode.*\) or SLACK_SIGNING_SECRET/,
      ],
      [
        "a signing secret comes without an HTTP port",
        [],
        { SLACK_BOT_TOKEN: "xoxb-1", SLACK_SIGNING_SECRET: "s" },
        /set --http-port \(ERRAND_HTTP_PORT\) too, or set SLACK_APP_TOKEN/,
      ],
      [
        "the tokens are swapped",
        [],
        { SLACK_BOT_TOKEN: "xapp-1", SLACK_APP_TOKEN: "xoxb-1" },
        /SLACK_BOT_TOKEN must start with "xoxb-"/,
      ],
      [
        "SLACK_API_URL is not an http(s) URL",
        [],
        { SLACK_BOT_TOKEN: "xoxb-1", SLACK_APP_TOKEN: "xapp-1", SLACK_API_URL: "ftp://slack.example" },
        /SLACK_API_URL must be an http\(s\) URL/,
      ],
      [
        "the slash command is not one",
        ["--slack-slash-command", "errand"],
        { SLACK_BOT_TOKEN: "xoxb-1", SLACK_APP_TOKEN: "xapp-1" },
        /--slack-slash-command.*"\/" then 1 to 31/,
      ],
    ];
    for (const [when, flags, slack, message] of cases) {
      it(when, async () => {
        const r = await runCli(["start", "--backend", "slack", "--data-dir", data, ...flags], "", {
          env: env({
            SLACK_BOT_TOKEN: "",
            SLACK_APP_TOKEN: "",
            SLACK_SIGNING_SECRET: "",
            SLACK_API_URL: "",
            ...slack,
          }),
        });
        assert.equal(r.code, 2, r.stderr);
        assert.match(r.stderr, message);
        assert.equal(r.stdout, "");
      });
    }

    it("Slack refuses the bot token", async () => {
      const r = await runCli(["start", "--backend", "slack", "--data-dir", data], "", {
        env: env({
          SLACK_BOT_TOKEN: "xoxb-revoked",
          SLACK_APP_TOKEN: fake.appToken,
          SLACK_API_URL: fake.apiUrl,
        }),
      });
      assert.equal(r.code, 2, r.stderr);
      assert.match(
        r.stderr,
        /^errand: Slack refused SLACK_BOT_TOKEN \(invalid_auth\)\. Copy the token again/,
      );
    });

    it("Slack refuses the app token", async () => {
      const r = await runCli(["start", "--backend", "slack", "--data-dir", data], "", {
        env: env({
          SLACK_BOT_TOKEN: fake.botToken,
          SLACK_APP_TOKEN: "xapp-revoked",
          SLACK_API_URL: fake.apiUrl,
        }),
      });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /^errand: Slack refused SLACK_APP_TOKEN \(invalid_auth\)/);
    });
  });

  it("says so, with exit code 1, when the Web API cannot be reached", async () => {
    const gone = await FakeSlack.start();
    const url = gone.apiUrl;
    await gone.close();
    const r = await runCli(["start", "--backend", "slack", "--data-dir", data], "", {
      env: env({ SLACK_BOT_TOKEN: "xoxb-1", SLACK_APP_TOKEN: "xapp-1", SLACK_API_URL: url }),
    });
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      /^errand: Cannot reach the Slack Web API at http:\/\/127\.0\.0\.1:\d+\/api\/ \(ECONNREFUSED\)\. Check SLACK_API_URL/,
    );
  });

  it("connects over Socket Mode, runs commands from messages and the slash command, and stops on SIGTERM", async () => {
    const child = spawn(cliPath, ["start", "--backend", "slack", "--data-dir", data], {
      env: env({
        SLACK_BOT_TOKEN: fake.botToken,
        SLACK_APP_TOKEN: fake.appToken,
        SLACK_API_URL: fake.apiUrl,
      }),
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (b: Buffer) => {
      stderr += b.toString();
    });
    try {
      await waitForStdout(child, /^slack connected \(Socket Mode\) as @errand \(UBOT\) in Acme\n/);
      const mark = fake.posts.length;
      const ts = fake.nextTs();
      await fake.sendEnvelope(
        "events_api",
        fake.eventCallback({
          type: "message",
          channel_type: "channel",
          user: "UALICE",
          channel: "COPS",
          text: "!echo from the real CLI",
          ts,
        }),
      );
      const ack = await fake.sendEnvelope(
        "slash_commands",
        fake.slashCommand({ text: "whoami", user_id: "UBOB", channel_id: "COPS" }),
      );
      assert.deepEqual(ack.payload, { response_type: "in_channel" });
      const posts = (await fake.waitForPosts(mark + 2)).slice(mark);
      assert.deepEqual(posts.map((p) => p.text).sort(), [
        "from the real CLI",
        "user: Bob Builder\nid: slack:UBOB\nbackend: slack\nadmin: no\nwhere: #ops",
      ]);
      const closed = once(child, "close");
      child.kill("SIGTERM");
      const [code] = (await closed) as [number | null];
      assert.equal(code, 0);
      assert.equal(stderr, "", "Bolt logs to the log file, not the terminal");
    } finally {
      await stopChild(child);
    }
  });

  it("takes signed HTTP events at /slack/events on --http-port", async () => {
    const child = spawn(cliPath, ["start", "--backend", "slack", "--data-dir", data, "--http-port", "0"], {
      env: env({ SLACK_BOT_TOKEN: fake.botToken, SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.apiUrl }),
      stdio: ["pipe", "pipe", "pipe"],
    });
    try {
      const [, port] = await waitForStdout(
        child,
        /^http listening on 127\.0\.0\.1:(\d+)\nslack ready for HTTP events at \/slack\/events as @errand \(UBOT\) in Acme\n/,
      );
      const mark = fake.posts.length;
      const res = await deliverToSlackEndpoint(
        `http://127.0.0.1:${port}/slack/events`,
        SECRET,
        fake.eventCallback({
          type: "message",
          channel_type: "channel",
          user: "UALICE",
          channel: "COPS",
          text: "!echo signed",
          ts: fake.nextTs(),
        }),
      );
      assert.equal(res.status, 200);
      const [reply] = (await fake.waitForPosts(mark + 1)).slice(mark);
      assert.equal(reply?.text, "signed");
      assert.equal(await stopChild(child), 0);
    } finally {
      await stopChild(child);
    }
  });
});
