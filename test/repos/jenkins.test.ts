import assert from "node:assert/strict";
import { resolve } from "node:path";
import { sign } from "../../src/http/verify-signature.js";
import { packageRoot } from "../../src/paths.js";
import { loadPlugin, type PluginHarness } from "../../src/testing/index.js";
import { FakeJenkins } from "../fakes/fake-jenkins.js";

const jenkinsDir = resolve(packageRoot, "repos", "jenkins");

/** A plugin's throw is answered with its message and an error id (the log has the stack); checks and drops the id. */
function withoutErrorId(reply: string): string {
  assert.match(reply, / \(error id [0-9a-f]{8}\)$/);
  return reply.replace(/ \(error id [0-9a-f]{8}\)$/, "");
}

describe("repos/jenkins against a fake Jenkins", function () {
  this.timeout(60_000);
  let jenkins: FakeJenkins;
  let bot: PluginHarness;
  const config = (over: Record<string, unknown> = {}) => ({
    url: jenkins.url,
    user: "chatops",
    token: "t0ken",
    pollSeconds: 10,
    notifyRooms: { "deploy-*": "#deploys", "team/*": "#team" },
    notifyToken: "n0tify",
    webhookSecret: "gh-s3cret",
    pushTriggers: [{ repository: "acme/api", branch: "main", jobs: ["team/api-ci"], room: "#dev" }],
    ...over,
  });
  const start = async (
    options: Parameters<typeof FakeJenkins.start>[0] = {},
    over: Record<string, unknown> = {},
  ) => {
    jenkins = await FakeJenkins.start(options);
    jenkins.addJob({
      path: "deploy-api",
      parameters: [
        { name: "BRANCH", default: "main" },
        { name: "ENV", choices: ["staging", "prod"] },
      ],
      durationMs: 182_000,
      results: ["FAILURE", "SUCCESS"],
      log: ["Checking out", "Building", "Deploying", "Done"],
    });
    jenkins.addJob({ path: "nightly", kind: "pipeline", durationMs: 2 * 3600_000 });
    jenkins.addJob({ path: "team/api-ci", kind: "pipeline", durationMs: 60_000 });
    jenkins.addJob({ path: "legacy", disabled: true });
    bot = await loadPlugin(jenkinsDir, { config: config(over) });
  };
  /** Moves both clocks: Jenkins first, then the bot's, whose timers poll Jenkins. */
  const advance = async (ms: number) => {
    jenkins.advance(ms);
    return (await bot.advance(ms)).map(
      (s) => `${s.target}${s.thread ? ` (thread ${s.thread})` : ""} ${s.text}`,
    );
  };
  afterEach(async () => {
    await bot?.close();
    await jenkins?.close();
  });

  describe("reading", () => {
    beforeEach(() => start());

    it("lists jobs, folders included, with their state", async () => {
      const reply = await bot.ask("!jenkins jobs");
      assert.match(reply, /^4 jobs:/);
      assert.match(reply, /deploy-api: never built/);
      assert.match(reply, /team\/api-ci: never built/);
      assert.match(reply, /legacy: disabled/);
      assert.equal(
        await bot.ask("!jenkins jobs api"),
        "2 jobs:\n  deploy-api: never built\n  team/api-ci: never built",
      );
    });

    it("answers an unknown job with the closest names, and a folder for what it is", async () => {
      assert.equal(
        withoutErrorId(await bot.ask("!jenkins status deploy-ap")),
        'jenkins: There is no job "deploy-ap". Did you mean deploy-api?',
      );
      assert.match(await bot.ask("!jenkins status team"), /"team" is a folder, not a job/);
    });

    it("shows status, executors and the queue", async () => {
      assert.equal(await bot.ask("!jenkins status nightly"), "nightly has never been built.");
      assert.equal(await bot.ask("!jenkins executors"), "Yawn, I'm so bored… All 2 executors are idle.");
      assert.equal(await bot.ask("!jenkins queue"), "The queue is empty.");
    });
  });

  describe("building", () => {
    beforeEach(() => start());

    it("queues, says the build number when it leaves the queue, and tells the requester in the thread when it ends", async () => {
      const reply = await bot.ask("!jenkins build deploy-api ENV=prod", {
        as: "amy",
        room: "ops",
        thread: "t9",
      });
      assert.equal(
        reply,
        "Queued deploy-api (ENV=prod). I will tell you here when it starts and when it ends.",
      );
      assert.match(await bot.ask("!jenkins queue"), /deploy-api: In the quiet period/);
      assert.deepEqual(await advance(10_000), [
        `#ops (thread t9) deploy-api #1 started: ${jenkins.url}/job/deploy-api/1/`,
      ]);
      const build = jenkins.builds("deploy-api")[0];
      assert.deepEqual(build?.parameters, { BRANCH: "main", ENV: "prod" });
      assert.match(build?.cause ?? "", /chatops/);
      assert.match(await bot.ask("!jenkins status deploy-api"), /deploy-api #1 is building/);
      assert.match(await bot.ask("!jenkins executors"), /Working: 1 out of 2 executors are busy/);
      assert.deepEqual(await advance(60_000), []);
      const ended = await advance(180_000);
      assert.deepEqual(ended, [
        `#ops (thread t9) amy: deploy-api #1 FAILURE after 3m 2s: ${jenkins.url}/job/deploy-api/1/`,
      ]);
      assert.match(
        await bot.ask("!jenkins status deploy-api"),
        /^deploy-api #1: FAILURE in 3m 2s, started by user chatops/,
      );
      assert.match(
        await bot.ask("!jenkins log deploy-api"),
        /Last \d+ lines of deploy-api #1:\n```\n[\s\S]*Done\nFinished: FAILURE\n```$/,
      );
    });

    it("keeps following the build across a restart of the bot", async () => {
      await bot.ask("!jenkins build nightly", { as: "amy", room: "ops" });
      await advance(10_000);
      await bot.restart();
      assert.deepEqual(await advance(3600_000), []);
      const ended = await advance(3600_000);
      assert.deepEqual(ended, [`#ops amy: nightly #1 SUCCESS after 2h 0m: ${jenkins.url}/job/nightly/1/`]);
    });

    it("watches a build someone else started", async () => {
      await bot.ask("!jenkins build team/api-ci", { as: "amy", room: "ops" });
      await advance(10_000);
      assert.equal(
        await bot.ask("!jenkins watch team/api-ci", { as: "bob" }),
        "Watching team/api-ci #1; I will tell you here when it ends.",
      );
      const ended = await advance(60_000);
      assert.ok(
        ended.includes(`@bob team/api-ci #1 SUCCESS after 1m 0s: ${jenkins.url}/job/team/job/api-ci/1/`),
        ended.join("\n"),
      );
      assert.match(await bot.ask("!jenkins watch team/api-ci"), /already ended: SUCCESS after 1m 0s/);
    });

    it("cancels a queued build and stops a running one", async () => {
      await bot.ask("!jenkins build nightly");
      assert.equal(await bot.ask("!jenkins abort nightly"), "Cancelled the queued build of nightly.");
      assert.deepEqual(await advance(10_000), ["@operator the queued build of nightly was cancelled."]);
      await bot.ask("!jenkins build nightly");
      await advance(10_000);
      assert.match(await bot.ask("!jenkins abort nightly"), /^Stopping nightly #1/);
      jenkins.advance(1000);
      assert.equal(jenkins.builds("nightly")[0]?.result, "ABORTED");
    });

    it("refuses what Jenkins would refuse, in plain sentences", async () => {
      assert.equal(
        withoutErrorId(await bot.ask("!jenkins build legacy")),
        "jenkins: legacy is disabled: it cannot be built.",
      );
      assert.equal(
        withoutErrorId(await bot.ask("!jenkins build nightly X=1")),
        "jenkins: nightly is not parameterized; build it without X=.",
      );
      assert.equal(
        withoutErrorId(await bot.ask("!jenkins build deploy-api COLOR=red")),
        "jenkins: deploy-api has no parameter COLOR. Its parameters: BRANCH, ENV.",
      );
      assert.equal(
        withoutErrorId(await bot.ask("!jenkins build deploy-api ENV=moon")),
        'jenkins: ENV of deploy-api is one of staging, prod; "moon" is not.',
      );
      assert.equal(jenkins.builds("nightly").length, 0);
    });
  });

  describe("credentials and CSRF", () => {
    it("explains bad credentials", async () => {
      await start({}, { token: "wrong" });
      assert.match(await bot.ask("!jenkins jobs"), /Jenkins refused the bot's credentials \(401\)/);
    });

    it("names the Jenkins permission the bot's user lacks", async () => {
      await start({
        users: [
          {
            name: "chatops",
            token: "t0ken",
            permissions: ["hudson.model.Item.Read", "jenkins.model.Jenkins.Read"],
          },
        ],
      });
      assert.match(
        await bot.ask("!jenkins build nightly"),
        /Jenkins user chatops lacks the permission hudson\.model\.Item\.Build/,
      );
    });

    it("says when Jenkins cannot be reached, and where to fix the url", async () => {
      await start({}, { url: "http://127.0.0.1:1" });
      assert.match(
        await bot.ask("!jenkins status nightly"),
        /^jenkins: Jenkins at http:\/\/127\.0\.0\.1:1 is unreachable \(.+\)\. Check the url with `!plugin config jenkins`\. \(error id [0-9a-f]{8}\)$/,
      );
    });

    it("fetches a crumb when Jenkins requires one", async () => {
      await start({ crumb: "required" });
      assert.match(await bot.ask("!jenkins build nightly"), /^Queued nightly/);
      assert.equal(jenkins.requests.filter((r) => r.path.startsWith("/crumbIssuer")).length, 1);
    });
  });

  describe("webhooks", () => {
    beforeEach(() => start());
    const postTo = (hook: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${bot.httpUrl}/hooks/jenkins/${hook}`, {
        method: "POST",
        body: JSON.stringify(body),
        headers: { "content-type": "application/json", ...headers },
      });

    it("posts Notification plugin events to the rooms whose pattern matches the job", async () => {
      const before = bot.transcript.length;
      const event = {
        name: "deploy-api",
        url: "job/deploy-api/",
        build: {
          full_url: `${jenkins.url}/job/deploy-api/42/`,
          number: 42,
          phase: "COMPLETED",
          status: "FAILURE",
          url: "job/deploy-api/42/",
          duration: 182_000,
        },
      };
      const res = await postTo("notify?token=n0tify", event);
      assert.equal(res.status, 200);
      assert.equal((await postTo("notify?token=wrong", event)).status, 403);
      assert.equal((await postTo("notify", event)).status, 403);
      const said = bot.transcript.slice(before);
      assert.deepEqual(said, [
        { target: "#deploys", text: `deploy-api #42 FAILURE after 3m 2s: ${jenkins.url}/job/deploy-api/42/` },
      ]);
    });

    it("starts the mapped jobs on a signed GitHub push, and says so in the room", async () => {
      const push = {
        ref: "refs/heads/main",
        repository: { full_name: "acme/api" },
        pusher: { name: "dev1" },
        head_commit: { id: "abcdef1234", message: "Fix the login\n\nLong text" },
      };
      const body = JSON.stringify(push);
      const unsigned = await fetch(`${bot.httpUrl}/hooks/jenkins/push`, {
        method: "POST",
        body,
        headers: { "content-type": "application/json", "x-github-event": "push" },
      });
      assert.equal(unsigned.status, 401);
      const before = bot.transcript.length;
      const signed = await fetch(`${bot.httpUrl}/hooks/jenkins/push`, {
        method: "POST",
        body,
        headers: {
          "content-type": "application/json",
          "x-github-event": "push",
          "x-hub-signature-256": sign("gh-s3cret", body),
        },
      });
      assert.equal(signed.status, 200);
      assert.deepEqual(await signed.json(), { started: ["team/api-ci"] });
      assert.deepEqual(bot.transcript.slice(before), [
        {
          target: "#dev",
          text: 'Push to acme/api main by dev1 (abcdef1 "Fix the login"): started team/api-ci.',
        },
      ]);
      jenkins.advance(10_000);
      assert.equal(jenkins.builds("team/api-ci").length, 1);
      const other = JSON.stringify({ ...push, ref: "refs/heads/feature" });
      const res = await fetch(`${bot.httpUrl}/hooks/jenkins/push`, {
        method: "POST",
        body: other,
        headers: {
          "content-type": "application/json",
          "x-github-event": "push",
          "x-hub-signature-256": sign("gh-s3cret", other),
        },
      });
      assert.deepEqual(await res.json(), { started: [] });
    });
  });
});
