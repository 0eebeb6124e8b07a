import assert from "node:assert/strict";
import { cpSync } from "node:fs";
import { join, resolve } from "node:path";
import { packageRoot } from "../../src/paths.js";
import { LineProcess } from "../bench/line-process.js";
import { FakeJenkins } from "../fakes/fake-jenkins.js";
import { GitRepo } from "../helpers/git-repo.js";
import { cleanEnv } from "../helpers/run-cli.js";
import { makeTempDir } from "../helpers/temp-dir.js";

/** Reads the bot's output until a line matches (the bot polls Jenkins on its own clock). */
async function waitFor(bot: LineProcess, pattern: RegExp, seen: string[] = []): Promise<string> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const [line] = await Promise.race([
      bot.nextLines(1),
      new Promise<string[]>((ok) => setTimeout(() => ok([]), deadline - Date.now())),
    ]);
    if (line === undefined) break;
    seen.push(line);
    if (pattern.test(line)) return line;
  }
  throw new Error(`no line matched ${pattern}; saw:\n${seen.join("\n")}`);
}

describe("Jenkins end to end: install from git, configure from chat, a build followed across a restart", function () {
  this.timeout(120_000);
  let dir: ReturnType<typeof makeTempDir>;
  let jenkins: FakeJenkins;
  let bot: LineProcess | undefined;
  before(async () => {
    dir = makeTempDir();
    jenkins = await FakeJenkins.start({ quietPeriodMs: 1000 });
    jenkins.addJob({ path: "deploy", durationMs: 30_000, results: ["SUCCESS"] });
  });
  after(async () => {
    await bot?.close();
    await jenkins.close();
    dir.remove();
  });

  const startBot = () =>
    new LineProcess(
      process.execPath,
      [
        "--no-node-snapshot",
        resolve(packageRoot, "dist/src/cli.js"),
        "start",
        "--data-dir",
        join(dir.path, "data"),
        "--http-port",
        "0",
      ],
      cleanEnv(),
    );

  it("works from chat, and the watch survives a restart", async () => {
    const repo = new GitRepo(join(dir.path, "errand-plugin-jenkins"));
    cpSync(resolve(packageRoot, "repos", "jenkins"), repo.dir, {
      recursive: true,
      filter: (src) => !src.includes("node_modules"),
    });
    repo.commit("Jenkins plugin", {});

    bot = startBot();
    await waitFor(bot, /http listening/);
    bot.send(`!repos install ${repo.url}\n`);
    await waitFor(
      bot,
      /jenkins 1\.0\.0 asks for: net: the host set in config key url; webhooks: receive HTTP requests; schedule: run timers/,
    );
    bot.send("!repos approve jenkins\n");
    await waitFor(bot, /Plugin jenkins needs config: set url with `!plugin config jenkins url=\.\.\.`/);
    bot.send(`!plugin config jenkins url=${jenkins.url} user=chatops token=t0ken pollSeconds=1\n`);
    await waitFor(bot, /it is active with the new config/);
    bot.send(`!plugin config jenkins notifyRooms='{"*": "#ci"}'\n`);
    await waitFor(bot, /updated \(notifyRooms\)/);

    bot.send("/room ops\n!jenkins build deploy\n");
    await waitFor(bot, /^Queued deploy\. I will tell you here when it starts and when it ends\.$/);
    jenkins.advance(1000);
    await waitFor(bot, new RegExp(`^deploy #1 started: ${jenkins.url}/job/deploy/1/$`));

    // Stop the bot while the build runs; the build ends while it is down.
    await bot.close();
    jenkins.advance(30_000);
    bot = startBot();
    const port = /http listening on 127\.0\.0\.1:(\d+)/.exec(await waitFor(bot, /http listening/))?.[1];
    const ended = await waitFor(bot, /deploy #1 SUCCESS/);
    assert.equal(ended, `[#ops] operator: deploy #1 SUCCESS after 30s: ${jenkins.url}/job/deploy/1/`);

    const event = {
      name: "deploy",
      url: "job/deploy/",
      build: { full_url: `${jenkins.url}/job/deploy/2/`, number: 2, phase: "STARTED", url: "job/deploy/2/" },
    };
    const hook = await fetch(`http://127.0.0.1:${port}/hooks/jenkins/notify`, {
      method: "POST",
      body: JSON.stringify(event),
      headers: { "content-type": "application/json" },
    });
    assert.equal(hook.status, 200);
    assert.equal(
      await waitFor(bot, /deploy #2 started/),
      `[#ci] deploy #2 started: ${jenkins.url}/job/deploy/2/`,
    );
  });
});
