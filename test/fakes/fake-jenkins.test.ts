import assert from "node:assert/strict";
import { FakeJenkins, type FakeJenkinsOptions, type FakeJobSpec } from "./fake-jenkins.js";

const START = Date.parse("2026-11-24T09:00:00Z");
const basic = (user = "chatops", token = "t0ken") =>
  `Basic ${Buffer.from(`${user}:${token}`).toString("base64")}`;

interface BuildRefJson {
  _class: string;
  number: number;
  url: string;
}
interface CauseJson {
  _class: string;
  shortDescription: string;
  userId?: string;
  userName?: string;
  addr?: string;
  note?: string | null;
}
interface ActionJson {
  _class?: string;
  causes?: CauseJson[];
  parameters?: { _class: string; name: string; value: string }[];
}
interface QueueItemJson {
  _class: string;
  id: number;
  url: string;
  why: string | null;
  blocked: boolean;
  buildable: boolean;
  stuck: boolean;
  params: string;
  inQueueSince: number;
  task: { _class: string; name: string; url?: string; color?: string };
  actions: ActionJson[];
  timestamp?: number;
  buildableStartMilliseconds?: number;
  cancelled?: boolean;
  executable?: BuildRefJson | null;
}
interface BuildJson {
  _class: string;
  number: number;
  id: string;
  url: string;
  displayName: string;
  fullDisplayName: string;
  building: boolean;
  inProgress: boolean;
  result: string | null;
  duration: number;
  estimatedDuration: number;
  timestamp: number;
  queueId: number;
  executor: unknown;
  actions: ActionJson[];
}
interface HealthJson {
  description: string;
  iconClassName: string;
  iconUrl: string;
  score: number;
}
interface JobJson {
  [key: string]: unknown;
  _class: string;
  name: string;
  fullName: string;
  fullDisplayName: string;
  url: string;
  color: string;
  buildable: boolean;
  disabled: boolean;
  inQueue: boolean;
  queueItem: QueueItemJson | null;
  nextBuildNumber: number;
  builds: BuildRefJson[];
  healthReport: HealthJson[];
  property: unknown[];
  firstBuild: BuildRefJson | null;
  lastBuild: BuildRefJson | null;
}
interface ExecutorJson {
  idle?: boolean;
  progress?: number;
  currentExecutable?: { _class: string; number: number; url: string } | null;
}
interface ComputerSetJson {
  busyExecutors: number;
  totalExecutors: number;
  computer: {
    displayName: string;
    offline: boolean;
    temporarilyOffline: boolean;
    offlineCauseReason: string;
    idle: boolean;
    numExecutors: number;
    executors: ExecutorJson[];
    oneOffExecutors: unknown[];
  }[];
}

/** Talks to the fake with plain fetch, never following redirects (Jenkins' Location headers matter). */
class Client {
  constructor(
    readonly fake: FakeJenkins,
    readonly auth: string | null = basic(),
  ) {}

  get(path: string, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(`${this.fake.url}${path}`, { headers: this.headers(headers), redirect: "manual" });
  }

  post(path: string, form?: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
    const body = form ? new URLSearchParams(form).toString() : undefined;
    const type: Record<string, string> = form ? { "content-type": "application/x-www-form-urlencoded" } : {};
    return fetch(`${this.fake.url}${path}`, {
      method: "POST",
      headers: this.headers({ ...type, ...headers }),
      body,
      redirect: "manual",
    });
  }

  async json<T>(path: string): Promise<T> {
    const res = await this.get(path);
    assert.equal(res.status, 200, `GET ${path} answered ${res.status}`);
    return (await res.json()) as T;
  }

  async text(path: string): Promise<string> {
    const res = await this.get(path);
    assert.equal(res.status, 200, `GET ${path} answered ${res.status}`);
    return res.text();
  }

  /** Triggers a build and returns the queue item path, e.g. "/queue/item/1/". */
  async trigger(path: string): Promise<string> {
    const res = await this.post(path);
    assert.equal(res.status, 201, `POST ${path} answered ${res.status}`);
    return new URL(res.headers.get("location") ?? "").pathname;
  }

  private headers(extra: Record<string, string>): Record<string, string> {
    return this.auth ? { authorization: this.auth, ...extra } : extra;
  }
}

/** Starts a fake with jobs before each test of the enclosing describe, and closes it after. */
function useFake(options: FakeJenkinsOptions, jobs: FakeJobSpec[]) {
  const ctx = {} as { fake: FakeJenkins; client: Client };
  beforeEach(async () => {
    ctx.fake = await FakeJenkins.start(options);
    for (const job of jobs) ctx.fake.addJob(job);
    ctx.client = new Client(ctx.fake);
  });
  afterEach(async () => {
    await ctx.fake.close();
  });
  return ctx;
}

describe("FakeJenkins", () => {
  describe("authentication and permissions", () => {
    const t = useFake(
      {
        users: [
          { name: "chatops", token: "t0ken" },
          { name: "viewer", token: "v", permissions: ["hudson.model.Item.Read"] },
          { name: "ghost", token: "g", permissions: [] },
        ],
      },
      [{ path: "hello" }],
    );

    it("rejects a request without credentials with 401 and a WWW-Authenticate header", async () => {
      const res = await new Client(t.fake, null).get("/api/json");
      assert.equal(res.status, 401);
      assert.equal(res.headers.get("www-authenticate"), 'Basic realm="Jenkins"');
    });

    it("rejects a wrong API token with 401", async () => {
      const res = await new Client(t.fake, basic("chatops", "nope")).get("/api/json");
      assert.equal(res.status, 401);
      assert.ok(res.headers.get("www-authenticate"));
    });

    it("stamps X-Jenkins and X-Jenkins-Session on every response, errors included", async () => {
      const ok = await t.client.get("/api/json");
      const missing = await t.client.get("/job/nope/api/json");
      const anonymous = await new Client(t.fake, null).get("/api/json");
      for (const res of [ok, missing, anonymous]) {
        assert.equal(res.headers.get("x-jenkins"), "2.462.3");
        assert.match(res.headers.get("x-jenkins-session") ?? "", /^[0-9a-f]{8}$/);
      }
      assert.equal(ok.headers.get("x-jenkins-session"), missing.headers.get("x-jenkins-session"));
    });

    it("answers whoAmI and /me with the authenticated user's name", async () => {
      const who = await t.client.json<{ _class: string; name: string; authenticated: boolean }>(
        "/whoAmI/api/json",
      );
      assert.equal(who._class, "hudson.security.WhoAmI");
      assert.equal(who.name, "chatops");
      assert.equal(who.authenticated, true);
      const me = await new Client(t.fake, basic("viewer", "v")).json<{ id: string }>("/me/api/json");
      assert.equal(me.id, "viewer");
    });

    it("refuses a build to a user without Item.Build with 403 and the permission headers", async () => {
      const viewer = new Client(t.fake, basic("viewer", "v"));
      const res = await viewer.post("/job/hello/build");
      assert.equal(res.status, 403);
      assert.equal(res.headers.get("x-you-are-authenticated-as"), "viewer");
      assert.equal(res.headers.get("x-required-permission"), "hudson.model.Item.Build");
      assert.match(await res.text(), /viewer is missing the Job\/Build permission/);
      assert.equal((await viewer.json<JobJson>("/job/hello/api/json")).name, "hello");
    });

    it("asks for Item.Cancel to cancel someone's queued item", async () => {
      await t.client.trigger("/job/hello/build");
      const res = await new Client(t.fake, basic("viewer", "v")).post("/queue/cancelItem?id=1");
      assert.equal(res.status, 403);
      assert.equal(res.headers.get("x-required-permission"), "hudson.model.Item.Cancel");
    });

    it("hides every job from a user without Item.Read", async () => {
      const ghost = new Client(t.fake, basic("ghost", "g"));
      assert.deepEqual((await ghost.json<{ jobs: unknown[] }>("/api/json")).jobs, []);
      assert.equal((await ghost.get("/job/hello/api/json")).status, 404);
    });
  });

  describe("jobs and folders", () => {
    const t = useFake({}, [
      {
        path: "deploy",
        parameters: [
          { name: "BRANCH", default: "main" },
          { name: "ENV", choices: ["staging", "prod"], description: "Where to" },
        ],
      },
      { path: "team/api service/release", kind: "pipeline" },
      { path: "old", disabled: true },
    ]);

    it("lists jobs and folders with tree=, nesting jobs[...] for folders", async () => {
      const fields = "name,fullName,url,color,_class";
      const root = await t.client.json<unknown>(
        `/api/json?tree=jobs[${fields},jobs[${fields},jobs[${fields}]]]`,
      );
      const url = t.fake.url;
      assert.deepEqual(root, {
        _class: "hudson.model.Hudson",
        jobs: [
          {
            _class: "hudson.model.FreeStyleProject",
            name: "deploy",
            fullName: "deploy",
            url: `${url}/job/deploy/`,
            color: "notbuilt",
          },
          {
            _class: "com.cloudbees.hudson.plugins.folder.Folder",
            name: "team",
            fullName: "team",
            url: `${url}/job/team/`,
            jobs: [
              {
                _class: "com.cloudbees.hudson.plugins.folder.Folder",
                name: "api service",
                fullName: "team/api service",
                url: `${url}/job/team/job/api%20service/`,
                jobs: [
                  {
                    _class: "org.jenkinsci.plugins.workflow.job.WorkflowJob",
                    name: "release",
                    fullName: "team/api service/release",
                    url: `${url}/job/team/job/api%20service/job/release/`,
                    color: "notbuilt",
                  },
                ],
              },
            ],
          },
          {
            _class: "hudson.model.FreeStyleProject",
            name: "old",
            fullName: "old",
            url: `${url}/job/old/`,
            color: "disabled",
          },
        ],
      });
    });

    it("abbreviates nested jobs at depth 0 the way Jenkins does", async () => {
      const root = await t.client.json<{ jobs: Record<string, unknown>[]; url: string }>("/api/json");
      assert.equal(root.url, `${t.fake.url}/`);
      assert.deepEqual(Object.keys(root.jobs[0]).sort(), ["_class", "color", "name", "url"]);
      assert.deepEqual(Object.keys(root.jobs[1]).sort(), ["_class", "name", "url"]);
    });

    it("serves a job inside folders by its repeated /job/ path, with URL-encoded names", async () => {
      const job = await t.client.json<JobJson>("/job/team/job/api%20service/job/release/api/json");
      assert.equal(job._class, "org.jenkinsci.plugins.workflow.job.WorkflowJob");
      assert.equal(job.fullName, "team/api service/release");
      assert.equal(job.fullDisplayName, "team » api service » release");
      assert.equal(job.url, `${t.fake.url}/job/team/job/api%20service/job/release/`);
      const folder = await t.client.json<{ _class: string; jobs: { name: string }[] }>("/job/team/api/json");
      assert.equal(folder._class, "com.cloudbees.hudson.plugins.folder.Folder");
      assert.deepEqual(
        folder.jobs.map((j) => j.name),
        ["api service"],
      );
    });

    it("describes a never-built parameterized job with every documented field", async () => {
      const res = await t.client.get("/job/deploy/api/json");
      assert.equal(res.headers.get("content-type"), "application/json;charset=utf-8");
      const job = (await res.json()) as JobJson;
      const documented = [
        "name",
        "fullName",
        "displayName",
        "url",
        "buildable",
        "color",
        "inQueue",
        "queueItem",
        "nextBuildNumber",
        "concurrentBuild",
        "disabled",
        "firstBuild",
        "lastBuild",
        "lastCompletedBuild",
        "lastSuccessfulBuild",
        "lastFailedBuild",
        "lastStableBuild",
        "lastUnstableBuild",
        "lastUnsuccessfulBuild",
        "builds",
        "healthReport",
        "property",
      ];
      for (const field of documented) assert.ok(field in job, `missing ${field}`);
      assert.equal(job._class, "hudson.model.FreeStyleProject");
      assert.equal(job.color, "notbuilt");
      assert.equal(job.buildable, true);
      assert.equal(job.concurrentBuild, false);
      assert.equal(job.nextBuildNumber, 1);
      assert.equal(job.inQueue, false);
      assert.equal(job.queueItem, null);
      assert.equal(job.lastBuild, null);
      assert.deepEqual(job.builds, []);
      assert.deepEqual(job.healthReport, []);
      assert.deepEqual(job.property, [
        {
          _class: "hudson.model.ParametersDefinitionProperty",
          parameterDefinitions: [
            {
              _class: "hudson.model.StringParameterDefinition",
              defaultParameterValue: {
                _class: "hudson.model.StringParameterValue",
                name: "BRANCH",
                value: "main",
              },
              description: "",
              name: "BRANCH",
              type: "StringParameterDefinition",
            },
            {
              _class: "hudson.model.ChoiceParameterDefinition",
              defaultParameterValue: {
                _class: "hudson.model.StringParameterValue",
                name: "ENV",
                value: "staging",
              },
              description: "Where to",
              name: "ENV",
              type: "ChoiceParameterDefinition",
              choices: ["staging", "prod"],
            },
          ],
        },
      ]);
    });

    it("shows a disabled job as not buildable with the disabled ball", async () => {
      const job = await t.client.json<JobJson>("/job/old/api/json");
      assert.equal(job.buildable, false);
      assert.equal(job.disabled, true);
      assert.equal(job.color, "disabled");
    });

    it("answers 404 for permalinks before the first build, and for unknown jobs, builds and queue items", async () => {
      for (const path of [
        "/job/deploy/lastBuild/api/json",
        "/job/deploy/lastSuccessfulBuild/api/json",
        "/job/deploy/1/api/json",
        "/job/nope/api/json",
        "/job/deploy/job/nope/api/json",
        "/job/team/job/nope/api/json",
        "/queue/item/42/api/json",
        "/nowhere",
      ]) {
        assert.equal((await t.client.get(path)).status, 404, path);
      }
    });

    it("lists the jobs of the all view", async () => {
      const view = await t.client.json<{ _class: string; jobs: { name: string }[] }>(
        "/view/all/api/json?tree=jobs[name]",
      );
      assert.equal(view._class, "hudson.model.AllView");
      assert.deepEqual(
        view.jobs.map((j) => j.name),
        ["deploy", "team", "old"],
      );
    });
  });

  describe("the queue and build lifecycle", () => {
    const t = useFake({}, [
      { path: "hello", log: ["step one", "step two"] },
      {
        path: "deploy",
        parameters: [
          { name: "BRANCH", default: "main" },
          { name: "ENV", choices: ["staging", "prod"] },
        ],
      },
      { path: "old", disabled: true },
      { path: "remote", authToken: "s3cret" },
    ]);

    it("moves a build from the quiet period to an executor and on to its result", async () => {
      const { fake, client } = t;
      const res = await client.post("/job/hello/build");
      assert.equal(res.status, 201);
      assert.equal(res.headers.get("location"), `${fake.url}/queue/item/1/`);

      const waiting = await client.json<QueueItemJson>("/queue/item/1/api/json");
      assert.equal(waiting._class, "hudson.model.Queue$WaitingItem");
      assert.equal(waiting.why, "In the quiet period. Expires in 5 sec");
      assert.equal(waiting.url, "queue/item/1/");
      assert.equal(waiting.timestamp, START + 5000);
      assert.deepEqual(waiting.task, {
        _class: "hudson.model.FreeStyleProject",
        name: "hello",
        url: `${fake.url}/job/hello/`,
        color: "notbuilt",
      });
      const job = await client.json<JobJson>("/job/hello/api/json");
      assert.equal(job.inQueue, true);
      assert.equal(job.queueItem?.id, 1);

      fake.advance(100);
      assert.equal(
        (await client.json<QueueItemJson>("/queue/item/1/api/json")).why,
        "In the quiet period. Expires in 4.9 sec",
      );

      fake.advance(4900);
      const left = await client.json<QueueItemJson>("/queue/item/1/api/json");
      assert.equal(left._class, "hudson.model.Queue$LeftItem");
      assert.equal(left.cancelled, false);
      assert.equal(left.why, null);
      assert.deepEqual(left.executable, {
        _class: "hudson.model.FreeStyleBuild",
        number: 1,
        url: `${fake.url}/job/hello/1/`,
      });

      const running = await client.json<BuildJson>("/job/hello/1/api/json");
      assert.equal(running.building, true);
      assert.equal(running.inProgress, true);
      assert.equal(running.result, null);
      assert.equal(running.duration, 0);
      assert.equal(running.timestamp, START + 5000);
      assert.equal(running.queueId, 1);
      assert.deepEqual(running.executor, {});
      assert.equal((await client.json<JobJson>("/job/hello/api/json")).color, "notbuilt_anime");

      fake.advance(60_000);
      const done = await client.json<BuildJson>("/job/hello/1/api/json");
      assert.equal(done._class, "hudson.model.FreeStyleBuild");
      assert.equal(done.id, "1");
      assert.equal(done.displayName, "#1");
      assert.equal(done.fullDisplayName, "hello #1");
      assert.equal(done.building, false);
      assert.equal(done.result, "SUCCESS");
      assert.equal(done.duration, 60_000);
      assert.equal(done.estimatedDuration, 60_000);
      assert.equal(done.executor, null);
      assert.deepEqual(done.actions.find((a) => a._class === "hudson.model.CauseAction")?.causes, [
        {
          _class: "hudson.model.Cause$UserIdCause",
          shortDescription: "Started by user chatops",
          userId: "chatops",
          userName: "chatops",
        },
      ]);
      const after = await client.json<JobJson>("/job/hello/api/json");
      assert.equal(after.color, "blue");
      assert.equal(after.nextBuildNumber, 2);
      assert.deepEqual(after.healthReport, [
        {
          description: "Build stability: No recent builds failed.",
          iconClassName: "icon-health-80plus",
          iconUrl: "health-80plus.png",
          score: 100,
        },
      ]);
      assert.equal((await client.json<BuildJson>("/job/hello/lastSuccessfulBuild/api/json")).number, 1);
      assert.deepEqual(fake.builds("hello"), [
        { number: 1, result: "SUCCESS", building: false, parameters: {}, cause: "Started by user chatops" },
      ]);
    });

    it("skips the quiet period with delay=0sec, starting the item on the next advance", async () => {
      const { fake, client } = t;
      const item = await client.trigger("/job/hello/build?delay=0sec");
      const ready = await client.json<QueueItemJson>(`${item}api/json`);
      assert.equal(ready._class, "hudson.model.Queue$BuildableItem");
      assert.equal(ready.why, "Waiting for next available executor");
      assert.equal(ready.buildableStartMilliseconds, START);
      assert.equal(ready.stuck, false);
      fake.advance(0);
      assert.equal((await client.json<QueueItemJson>(`${item}api/json`)).executable?.number, 1);
      fake.advance(60_000);
      await client.trigger("/job/hello/build?delay=0sec");
      fake.advance(0);
      assert.equal((await client.json<JobJson>("/job/hello/api/json")).color, "blue_anime");
    });

    it("gives an identical trigger the same queue item: 201 from /build and 303 from /buildWithParameters", async () => {
      const { fake, client } = t;
      const first = await client.post("/job/hello/build");
      const again = await client.post("/job/hello/build");
      assert.equal(again.status, 201);
      assert.equal(again.headers.get("location"), first.headers.get("location"));
      const item = await client.json<QueueItemJson>("/queue/item/1/api/json");
      assert.equal(item.actions.find((a) => a.causes)?.causes?.length, 2);

      const created = await client.post("/job/deploy/buildWithParameters?BRANCH=feature");
      assert.equal(created.status, 201);
      const same = await client.post("/job/deploy/buildWithParameters?BRANCH=feature");
      assert.equal(same.status, 303);
      assert.equal(same.headers.get("location"), created.headers.get("location"));
      const other = await client.post("/job/deploy/buildWithParameters?BRANCH=main");
      assert.equal(other.status, 201);
      assert.notEqual(other.headers.get("location"), created.headers.get("location"));
      assert.deepEqual(
        fake.queued().map((q) => q.id),
        [1, 2, 3],
      );
    });

    it("fills missing parameters with defaults, from the query string or a form body", async () => {
      const { fake, client } = t;
      const query = await client.post("/job/deploy/buildWithParameters?ENV=prod&delay=0sec");
      assert.equal(query.status, 201);
      const item = await client.json<QueueItemJson>("/queue/item/1/api/json");
      assert.equal(item.params, "\n(StringParameterValue) BRANCH='main'\n(StringParameterValue) ENV='prod'");
      // deploy does not allow concurrent builds: let the first one run to its end before the next.
      fake.advance(60_000);
      const form = await client.post("/job/deploy/buildWithParameters", {
        BRANCH: "feature/x",
        delay: "0sec",
      });
      assert.equal(form.status, 201);
      fake.advance(0);
      assert.deepEqual(
        fake.builds("deploy").map((b) => b.parameters),
        [
          { BRANCH: "main", ENV: "prod" },
          { BRANCH: "feature/x", ENV: "staging" },
        ],
      );
      const build = await client.json<BuildJson>("/job/deploy/2/api/json");
      assert.deepEqual(build.actions.find((a) => a._class === "hudson.model.ParametersAction")?.parameters, [
        { _class: "hudson.model.StringParameterValue", name: "BRANCH", value: "feature/x" },
        { _class: "hudson.model.StringParameterValue", name: "ENV", value: "staging" },
      ]);
      assert.equal((await client.post("/job/deploy/buildWithParameters?ENV=qa")).status, 500);
    });

    it("accepts POST /build on a parameterized job only with a json form field, and shows a form on GET", async () => {
      const { fake, client } = t;
      const bare = await client.post("/job/deploy/build");
      assert.equal(bare.status, 400);
      assert.match(await bare.text(), /Nothing is submitted/);
      const plain = await client.post("/job/deploy/build", { BRANCH: "x" });
      assert.equal(plain.status, 400);
      assert.match(await plain.text(), /This page expects a form submission/);
      const json = JSON.stringify({ parameter: [{ name: "BRANCH", value: "release" }] });
      const ok = await client.post("/job/deploy/build?delay=0sec", { json });
      assert.equal(ok.status, 201);
      assert.equal(ok.headers.get("location"), `${fake.url}/queue/item/1/`);
      fake.advance(0);
      assert.deepEqual(fake.builds("deploy")[0].parameters, { BRANCH: "release", ENV: "staging" });
      const form = await client.get("/job/deploy/build");
      assert.equal(form.status, 200);
      assert.match(form.headers.get("content-type") ?? "", /^text\/html/);
    });

    it("refuses triggers on a disabled job with 409, and buildWithParameters on an unparameterized one with 400", async () => {
      const { client } = t;
      const disabled = await client.post("/job/old/build");
      assert.equal(disabled.status, 409);
      assert.match(await disabled.text(), /old is not buildable/);
      assert.equal((await client.post("/job/old/buildWithParameters")).status, 409);
      const unparameterized = await client.post("/job/hello/buildWithParameters?X=1");
      assert.equal(unparameterized.status, 400);
      assert.match(await unparameterized.text(), /hello is not parameterized/);
    });

    it("answers a GET trigger with 405 Allow: POST, a wrong token with 403, and builds with a RemoteCause for the right one", async () => {
      const { fake, client } = t;
      for (const path of ["/job/remote/build", "/job/hello/build", "/job/deploy/buildWithParameters"]) {
        const res = await client.get(path);
        assert.equal(res.status, 405, path);
        assert.equal(res.headers.get("allow"), "POST");
      }
      assert.equal((await client.get("/job/remote/build?token=wrong")).status, 403);
      const res = await client.get("/job/remote/build?token=s3cret&cause=nightly");
      assert.equal(res.status, 201);
      fake.advance(5000);
      const build = await client.json<BuildJson>("/job/remote/1/api/json");
      assert.deepEqual(build.actions.find((a) => a.causes)?.causes, [
        {
          _class: "hudson.model.Cause$RemoteCause",
          shortDescription: "Started by remote host 127.0.0.1 with note: nightly",
          addr: "127.0.0.1",
          note: "nightly",
        },
      ]);
      assert.equal(fake.builds("remote")[0].cause, "Started by remote host 127.0.0.1 with note: nightly");
    });

    it("forgets a left queue item five minutes after it left", async () => {
      const { fake, client } = t;
      const item = await client.trigger("/job/hello/build?delay=0sec");
      fake.advance(0);
      fake.advance(299_999);
      assert.equal((await client.get(`${item}api/json`)).status, 200);
      fake.advance(1);
      assert.equal((await client.get(`${item}api/json`)).status, 404);
      assert.equal((await client.json<BuildJson>("/job/hello/1/api/json")).queueId, 1);
    });

    it("moves fake time only when told to", async () => {
      const { fake, client } = t;
      assert.equal(fake.now(), START);
      await client.trigger("/job/hello/build?delay=0sec");
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(fake.now(), START);
      assert.deepEqual(fake.builds("hello"), []);
      fake.advance(1234);
      assert.equal(fake.now(), START + 1234);
    });
  });

  describe("executors", () => {
    const t = useFake({ executors: 1 }, [{ path: "hello" }, { path: "lint" }, { path: "docs" }]);

    it("keeps an item waiting for the next executor, and counts busy and total executors", async () => {
      const { fake, client } = t;
      await client.trigger("/job/hello/build?delay=0sec");
      const lint = await client.trigger("/job/lint/build?delay=0sec");
      fake.advance(0);
      const item = await client.json<QueueItemJson>(`${lint}api/json`);
      assert.equal(item._class, "hudson.model.Queue$BuildableItem");
      assert.equal(item.why, "Waiting for next available executor");

      const nodes = await client.json<ComputerSetJson>(
        "/computer/api/json?tree=busyExecutors,totalExecutors,computer[displayName,offline,idle,numExecutors]",
      );
      assert.deepEqual(nodes, {
        _class: "hudson.model.ComputerSet",
        busyExecutors: 1,
        totalExecutors: 1,
        computer: [
          {
            _class: "hudson.model.Hudson$MasterComputer",
            displayName: "Built-In Node",
            offline: false,
            idle: false,
            numExecutors: 1,
          },
        ],
      });
      assert.deepEqual((await client.json<ComputerSetJson>("/computer/api/json")).computer[0].executors, [
        {},
      ]);

      fake.advance(30_000);
      const detail = await client.json<ComputerSetJson>(
        "/computer/api/json?tree=computer[executors[idle,progress,currentExecutable[number,url]]]",
      );
      assert.deepEqual(detail.computer[0].executors, [
        {
          idle: false,
          progress: -1, // no estimate before the first build of the job finishes
          currentExecutable: {
            _class: "hudson.model.FreeStyleBuild",
            number: 1,
            url: `${fake.url}/job/hello/1/`,
          },
        },
      ]);

      fake.advance(30_000);
      assert.equal((await client.json<QueueItemJson>(`${lint}api/json`)).executable?.number, 1);
      assert.equal((await client.json<BuildJson>("/job/lint/1/api/json")).timestamp, START + 60_000);
    });

    it("blocks a second build of a non-concurrent job until the first finishes", async () => {
      const { fake, client } = t;
      await client.trigger("/job/hello/build?delay=0sec");
      fake.advance(0);
      const second = await client.trigger("/job/hello/build?delay=0sec");
      const blocked = await client.json<QueueItemJson>(`${second}api/json`);
      assert.equal(blocked._class, "hudson.model.Queue$BlockedItem");
      assert.equal(blocked.blocked, true);
      assert.equal(blocked.why, "Build #1 is already in progress (ETA:N/A)");

      fake.advance(60_000);
      assert.equal((await client.json<QueueItemJson>(`${second}api/json`)).executable?.number, 2);
      const third = await client.trigger("/job/hello/build?delay=0sec");
      fake.advance(5000);
      assert.equal(
        (await client.json<QueueItemJson>(`${third}api/json`)).why,
        "Build #2 is already in progress (ETA:55 sec)",
      );
    });

    it("lists waiting, blocked and buildable items at /queue/api/json", async () => {
      const { fake, client } = t;
      await client.trigger("/job/hello/build?delay=0sec");
      fake.advance(0);
      await client.trigger("/job/hello/build?delay=0sec");
      await client.trigger("/job/lint/build?delay=0sec");
      await client.trigger("/job/docs/build");
      const queue = await client.json<{
        _class: string;
        items: QueueItemJson[];
        discoverableItems: unknown[];
      }>("/queue/api/json");
      assert.equal(queue._class, "hudson.model.Queue");
      assert.deepEqual(queue.discoverableItems, []);
      assert.deepEqual(
        queue.items.map((i) => [i._class, i.task.name]),
        [
          ["hudson.model.Queue$WaitingItem", "docs"],
          ["hudson.model.Queue$BlockedItem", "hello"],
          ["hudson.model.Queue$BuildableItem", "lint"],
        ],
      );
    });

    it("leaves an offline node's executors out of totalExecutors and starts nothing until it is back", async () => {
      const { fake, client } = t;
      fake.setOffline(true, "maintenance");
      const nodes = await client.json<ComputerSetJson>("/computer/api/json");
      assert.equal(nodes.totalExecutors, 0);
      assert.equal(nodes.busyExecutors, 0);
      assert.equal(nodes.computer[0].offline, true);
      assert.equal(nodes.computer[0].temporarilyOffline, true);
      assert.equal(nodes.computer[0].offlineCauseReason, "maintenance");

      const item = await client.trigger("/job/hello/build?delay=0sec");
      fake.advance(10_000);
      assert.equal(
        (await client.json<QueueItemJson>(`${item}api/json`))._class,
        "hudson.model.Queue$BuildableItem",
      );
      fake.setOffline(false);
      fake.advance(0);
      assert.equal(
        (await client.json<QueueItemJson>(`${item}api/json`))._class,
        "hudson.model.Queue$LeftItem",
      );
      assert.equal((await client.json<ComputerSetJson>("/computer/api/json")).totalExecutors, 1);
    });
  });

  describe("cancelling and aborting", () => {
    const t = useFake({}, [{ path: "hello" }, { path: "stuck", kind: "pipeline", abortNeeds: "kill" }]);

    it("cancels a queued item with 204 and shows it cancelled; 422 once it left, 404 for an unknown id", async () => {
      const { fake, client } = t;
      const item = await client.trigger("/job/hello/build");
      const res = await client.post("/queue/cancelItem?id=1");
      assert.equal(res.status, 204);
      const cancelled = await client.json<QueueItemJson>(`${item}api/json`);
      assert.equal(cancelled._class, "hudson.model.Queue$LeftItem");
      assert.equal(cancelled.cancelled, true);
      assert.equal(cancelled.executable, null);
      assert.equal((await client.post("/queue/cancelItem?id=1")).status, 422);
      const unknown = await client.post("/queue/cancelItem?id=999");
      assert.equal(unknown.status, 404);
      assert.match(await unknown.text(), /Provided id \(999\) not found/);
      fake.advance(10_000);
      assert.deepEqual(fake.builds("hello"), []);
    });

    it("cancels a job's queued items with POST /cancelQueue", async () => {
      const { fake, client } = t;
      await client.trigger("/job/hello/build");
      const res = await client.post("/job/hello/cancelQueue");
      assert.equal(res.status, 302);
      assert.deepEqual(fake.queued(), []);
    });

    it("aborts a running build with a 302 back to the build, and redirects the same way once it has finished", async () => {
      const { fake, client } = t;
      await client.trigger("/job/hello/build?delay=0sec");
      fake.advance(10_000);
      const res = await client.post("/job/hello/1/stop");
      assert.equal(res.status, 302);
      assert.equal(res.headers.get("location"), `${fake.url}/job/hello/1/`);
      const build = await client.json<BuildJson>("/job/hello/1/api/json");
      assert.equal(build.result, "ABORTED");
      assert.equal(build.building, false);
      assert.equal(build.duration, 10_000);
      assert.equal((await client.json<JobJson>("/job/hello/api/json")).color, "aborted");
      const log = await client.text("/job/hello/1/consoleText");
      assert.match(log, /Aborted by chatops\nFinished: ABORTED\n$/);
      assert.equal((await client.json<ComputerSetJson>("/computer/api/json")).busyExecutors, 0);
      const again = await client.post("/job/hello/lastBuild/stop");
      assert.equal(again.status, 302);
      assert.equal(again.headers.get("location"), `${fake.url}/job/hello/1/`);
    });

    it("escalates a stuck pipeline from stop to term to kill, which freestyle builds do not have", async () => {
      const { fake, client } = t;
      await client.trigger("/job/stuck/build?delay=0sec");
      fake.advance(1000);
      assert.equal((await client.post("/job/stuck/1/stop")).status, 302);
      assert.equal((await client.json<BuildJson>("/job/stuck/1/api/json")).building, true);
      assert.equal((await client.post("/job/stuck/1/term")).status, 200);
      assert.equal((await client.json<BuildJson>("/job/stuck/1/api/json")).building, true);
      assert.equal((await client.post("/job/stuck/1/kill")).status, 200);
      assert.equal((await client.json<BuildJson>("/job/stuck/1/api/json")).result, "ABORTED");
      assert.match(await client.text("/job/stuck/1/consoleText"), /forcibly terminate.*\n.*forcibly kill/);

      await client.trigger("/job/hello/build?delay=0sec");
      fake.advance(0);
      assert.equal((await client.post("/job/hello/1/term")).status, 404);
    });

    it("answers GET on POST-only endpoints with 405 Allow: POST", async () => {
      const { fake, client } = t;
      await client.trigger("/job/hello/build?delay=0sec");
      fake.advance(0);
      for (const path of ["/job/hello/1/stop", "/queue/cancelItem?id=1", "/job/hello/cancelQueue"]) {
        const res = await client.get(path);
        assert.equal(res.status, 405, path);
        assert.equal(res.headers.get("allow"), "POST");
      }
    });
  });

  describe("console", () => {
    const t = useFake({}, [{ path: "hello", log: ["step one", "step two"] }]);
    const header =
      "Started by user chatops\nRunning as SYSTEM\nBuilding in workspace /var/jenkins_home/workspace/hello\n";

    it("writes log lines over the build's duration and serves the whole log as consoleText", async () => {
      const { fake, client } = t;
      await client.trigger("/job/hello/build?delay=0sec");
      fake.advance(0);
      const res = await client.get("/job/hello/1/consoleText");
      assert.match(res.headers.get("content-type") ?? "", /^text\/plain/);
      assert.equal(await res.text(), header);
      fake.advance(20_000);
      assert.equal(await client.text("/job/hello/1/consoleText"), `${header}step one\n`);
      fake.advance(40_000);
      assert.equal(
        await client.text("/job/hello/lastBuild/consoleText"),
        `${header}step one\nstep two\nFinished: SUCCESS\n`,
      );
    });

    it("serves progressive log chunks with X-Text-Size, and X-More-Data only while building", async () => {
      const { fake, client } = t;
      await client.trigger("/job/hello/build?delay=0sec");
      fake.advance(0);
      const first = await client.get("/job/hello/1/logText/progressiveText?start=0");
      const size = Number(first.headers.get("x-text-size"));
      assert.equal(await first.text(), header);
      assert.equal(size, Buffer.byteLength(header));
      assert.equal(first.headers.get("x-more-data"), "true");

      const nothingNew = await client.get(`/job/hello/1/logText/progressiveText?start=${size}`);
      assert.equal(await nothingNew.text(), "");
      assert.equal(nothingNew.headers.get("x-text-size"), String(size));

      fake.advance(20_000);
      const next = await client.get(`/job/hello/1/logText/progressiveText?start=${size}`);
      assert.equal(await next.text(), "step one\n");

      fake.advance(40_000);
      const last = await client.get(
        `/job/hello/1/logText/progressiveText?start=${next.headers.get("x-text-size")}`,
      );
      assert.equal(await last.text(), "step two\nFinished: SUCCESS\n");
      assert.equal(last.headers.get("x-more-data"), null);
      const tail = await client.get("/job/hello/1/logText/progressiveText?start=-8");
      assert.equal(await tail.text(), "SUCCESS\n");
    });
  });

  describe("results and health", () => {
    const t = useFake({}, [
      {
        path: "flaky",
        durationMs: 1000,
        results: ["SUCCESS", "FAILURE", "UNSTABLE", "ABORTED", "SUCCESS", "SUCCESS"],
      },
      { path: "broken", durationMs: 1000, results: ["FAILURE"] },
    ]);

    async function runBuilds(path: string, count: number) {
      for (let i = 0; i < count; i++) {
        await t.client.trigger(`/job/${path}/build?delay=0sec`);
        t.fake.advance(1000);
      }
    }

    it("derives health, color and permalinks from the last builds' results", async () => {
      const { client } = t;
      await runBuilds("flaky", 6);
      const job = await client.json<JobJson>("/job/flaky/api/json");
      assert.equal(job.color, "blue");
      assert.deepEqual(job.healthReport, [
        {
          description: "Build stability: 1 out of the last 5 builds failed.",
          iconClassName: "icon-health-60to79",
          iconUrl: "health-60to79.png",
          score: 80,
        },
      ]);
      const permalinks = {
        firstBuild: 1,
        lastBuild: 6,
        lastCompletedBuild: 6,
        lastStableBuild: 6,
        lastSuccessfulBuild: 6,
        lastFailedBuild: 2,
        lastUnstableBuild: 3,
        lastUnsuccessfulBuild: 4,
      };
      for (const [name, number] of Object.entries(permalinks)) {
        assert.equal((job[name] as BuildRefJson).number, number, name);
      }
      const failed = await client.json<BuildJson>("/job/flaky/lastFailedBuild/api/json");
      assert.deepEqual([failed.number, failed.result], [2, "FAILURE"]);
      assert.deepEqual(
        job.builds.map((b) => b.number),
        [6, 5, 4, 3, 2, 1],
      );
    });

    it("supports tree ranges on arrays and depth to expand nested objects", async () => {
      const { client } = t;
      await runBuilds("flaky", 6);
      const numbers = async (range: string) =>
        (await client.json<JobJson>(`/job/flaky/api/json?tree=builds[number]${range}`)).builds.map(
          (b) => b.number,
        );
      assert.deepEqual(await numbers("{0,2}"), [6, 5]);
      assert.deepEqual(await numbers("{2}"), [4]);
      assert.deepEqual(await numbers("{4,}"), [2, 1]);
      assert.deepEqual(await numbers("{,1}"), [6]);
      const shallow = await client.json<{ lastBuild: Record<string, unknown> }>("/job/flaky/api/json");
      assert.deepEqual(Object.keys(shallow.lastBuild).sort(), ["_class", "number", "url"]);
      const deep = await client.json<{ lastBuild: BuildJson }>("/job/flaky/api/json?depth=1");
      assert.equal(deep.lastBuild.result, "SUCCESS");
      const nested = await client.json<unknown>("/api/json?tree=jobs[name,lastBuild[number,result]]");
      assert.deepEqual(nested, {
        _class: "hudson.model.Hudson",
        jobs: [
          {
            _class: "hudson.model.FreeStyleProject",
            name: "flaky",
            lastBuild: { _class: "hudson.model.FreeStyleBuild", number: 6, result: "SUCCESS" },
          },
          { _class: "hudson.model.FreeStyleProject", name: "broken", lastBuild: null },
        ],
      });
    });

    it("reports all recent builds failed with a red ball, animated while the next one runs", async () => {
      const { fake, client } = t;
      await runBuilds("broken", 1);
      const job = await client.json<JobJson>("/job/broken/api/json");
      assert.equal(job.color, "red");
      assert.deepEqual(job.healthReport, [
        {
          description: "Build stability: All recent builds failed.",
          iconClassName: "icon-health-00to19",
          iconUrl: "health-00to19.png",
          score: 0,
        },
      ]);
      await client.trigger("/job/broken/build?delay=0sec");
      fake.advance(0);
      assert.equal((await client.json<JobJson>("/job/broken/api/json")).color, "red_anime");
      fake.advance(1000);
      assert.equal((await client.json<BuildJson>("/job/broken/2/api/json")).result, "SUCCESS");
    });
  });

  describe("pipelines", () => {
    const t = useFake({ executors: 1 }, [
      { path: "hello" },
      { path: "pipe", kind: "pipeline", log: ["deploying"] },
    ]);

    it("starts a WorkflowRun at once and queues its node block while every executor is busy", async () => {
      const { fake, client } = t;
      await client.trigger("/job/hello/build?delay=0sec");
      fake.advance(0);
      const item = await client.trigger("/job/pipe/build?delay=0sec");
      fake.advance(0);
      const left = await client.json<QueueItemJson>(`${item}api/json`);
      assert.deepEqual(left.executable, {
        _class: "org.jenkinsci.plugins.workflow.job.WorkflowRun",
        number: 1,
        url: `${fake.url}/job/pipe/1/`,
      });
      const run = await client.json<BuildJson>("/job/pipe/1/api/json");
      assert.equal(run._class, "org.jenkinsci.plugins.workflow.job.WorkflowRun");
      assert.equal(run.building, true);

      const queue = await client.json<{ items: QueueItemJson[] }>("/queue/api/json");
      assert.equal(queue.items.length, 1);
      assert.equal(
        queue.items[0].task._class,
        "org.jenkinsci.plugins.workflow.support.steps.ExecutorStepExecution$PlaceholderTask",
      );
      assert.equal(queue.items[0].task.name, "part of pipe #1");
      assert.equal(queue.items[0].why, "Waiting for next available executor");
      const nodes = await client.json<ComputerSetJson>("/computer/api/json");
      assert.equal(nodes.busyExecutors, 1);
      assert.equal(nodes.computer[0].oneOffExecutors.length, 1);
      assert.match(await client.text("/job/pipe/1/consoleText"), /Still waiting to schedule task/);

      fake.advance(60_000);
      assert.match(
        await client.text("/job/pipe/1/consoleText"),
        /Running on Jenkins in .*\n\[Pipeline\] \{\n$/,
      );
      fake.advance(60_000);
      const log = await client.text("/job/pipe/1/consoleText");
      assert.match(
        log,
        /deploying\n\[Pipeline\] \}\n\[Pipeline\] \/\/ node\n\[Pipeline\] End of Pipeline\nFinished: SUCCESS\n$/,
      );
      assert.equal((await client.json<BuildJson>("/job/pipe/1/api/json")).duration, 120_000);
    });
  });

  describe("CSRF crumbs", () => {
    describe("by default", () => {
      const t = useFake({}, [{ path: "hello" }]);

      it("issues a crumb with a session cookie, but needs none for token-authenticated POSTs", async () => {
        const res = await t.client.get("/crumbIssuer/api/json");
        assert.equal(res.status, 200);
        const crumb = (await res.json()) as { _class: string; crumb: string; crumbRequestField: string };
        assert.equal(crumb._class, "hudson.security.csrf.DefaultCrumbIssuer");
        assert.equal(crumb.crumbRequestField, "Jenkins-Crumb");
        assert.match(crumb.crumb, /^[0-9a-f]{64}$/);
        assert.match(res.headers.get("set-cookie") ?? "", /^JSESSIONID\.[0-9a-f]+=[^;]+; Path=\//);
        assert.equal((await t.client.post("/job/hello/build")).status, 201);
      });
    });

    describe("when required", () => {
      const t = useFake({ crumb: "required" }, [{ path: "hello" }]);

      it("refuses POSTs without a crumb bound to the session cookie from the crumb request", async () => {
        const { client } = t;
        const none = await client.post("/job/hello/build");
        assert.equal(none.status, 403);
        assert.match(await none.text(), /No valid crumb was included in the request/);

        const res = await client.get("/crumbIssuer/api/json");
        const { crumb } = (await res.json()) as { crumb: string };
        const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0];
        assert.equal(
          (await client.post("/job/hello/build", undefined, { "Jenkins-Crumb": crumb })).status,
          403,
        );
        assert.equal((await client.post("/job/hello/build", undefined, { cookie })).status, 403);
        const ok = await client.post("/job/hello/build", undefined, { "Jenkins-Crumb": crumb, cookie });
        assert.equal(ok.status, 201);
        const again = await client.get("/crumbIssuer/api/json", { cookie });
        assert.equal(again.headers.get("set-cookie"), null);
        assert.equal(((await again.json()) as { crumb: string }).crumb, crumb);
      });
    });

    describe("when off", () => {
      const t = useFake({ crumb: "off" }, [{ path: "hello" }]);

      it("answers 404 from the crumb issuer and takes POSTs without a crumb", async () => {
        assert.equal((await t.client.get("/crumbIssuer/api/json")).status, 404);
        assert.equal((await t.client.post("/job/hello/build")).status, 201);
      });
    });
  });

  describe("assertion helpers", () => {
    const t = useFake({ version: "2.500", startTime: 1_000_000 }, [{ path: "hello" }]);

    it("records every request it receives, with lower-case headers", async () => {
      await t.client.get("/api/json?tree=jobs[name]", { "X-Test": "yes" });
      const last = t.fake.requests.at(-1);
      assert.equal(last?.method, "GET");
      assert.equal(last?.path, "/api/json?tree=jobs[name]");
      assert.equal(last?.headers["x-test"], "yes");
      assert.equal(last?.headers.authorization, basic());
    });

    it("takes its version and start time from the options", async () => {
      const res = await t.client.get("/api/json");
      assert.equal(res.headers.get("x-jenkins"), "2.500");
      assert.equal(t.fake.now(), 1_000_000);
    });
  });
});
