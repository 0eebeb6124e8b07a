import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { GitRepo, pluginFiles } from "../helpers/git-repo.js";
import { cleanEnv, cliPath, runCli } from "../helpers/run-cli.js";
import { makeTempDir } from "../helpers/temp-dir.js";

/** Starts the real CLI in its own process group, sends `line`, and kills the whole group after `ms`. */
async function killDuring(data: string, line: string, ms: number): Promise<void> {
  const child = spawn(cliPath, ["start", "--data-dir", data], {
    env: cleanEnv(),
    detached: true,
    stdio: ["pipe", "ignore", "ignore"],
  });
  child.stdin.write(`${line}\n`); // stdin stays open: the bot is mid-command when it dies
  await new Promise((ok) => setTimeout(ok, ms));
  try {
    process.kill(-(child.pid as number), "SIGKILL");
  } catch {
    // already gone
  }
  await new Promise((ok) => child.once("close", ok));
}

// Spread over a whole install (start-up ~0.3 s, clone + build ~0.8 s) so that the kill lands in every phase.
const DELAYS_MS = [150, 350, 500, 650, 800, 1000, 1400];

describe("a kill -9 during install or update loses nothing (real CLI)", function () {
  this.timeout(180_000);
  let dir: ReturnType<typeof makeTempDir>;
  let repo: GitRepo;
  beforeEach(() => {
    dir = makeTempDir();
    repo = new GitRepo(join(dir.path, "weather"));
    repo.commit("First", pluginFiles("weather", "sunny"));
  });
  afterEach(() => dir.remove());

  const repoDirs = (data: string) => {
    try {
      return readdirSync(join(data, "repos"));
    } catch {
      return [];
    }
  };

  it("leaves either no install or a whole one, and installing again works", async () => {
    for (const ms of DELAYS_MS) {
      const data = join(dir.path, `data-${ms}`);
      await killDuring(data, `!repos install ${repo.url}`, ms);
      const after = await runCli(["start", "--data-dir", data], "!repos\n!weather\n");
      assert.equal(after.code, 0, after.stderr);
      const [list, answer] = [after.stdout.split("\n")[0] ?? "", after.stdout.split("\n").slice(-2)[0] ?? ""];
      if (/No repos installed/.test(list)) {
        assert.match(answer, /I don't know/, `killed at ${ms} ms: ${after.stdout}`);
        assert.deepEqual(repoDirs(data), [], `killed at ${ms} ms: leftovers are removed at start`);
        const again = await runCli(["start", "--data-dir", data], `!repos install ${repo.url}\n!weather\n`);
        assert.match(
          again.stdout,
          /Installed weather[\s\S]*\nsunny\n$/,
          `killed at ${ms} ms: ${again.stdout}`,
        );
      } else {
        assert.match(
          after.stdout,
          /weather \w+ \(main\): weather 1\.0\.0: active\n[\s\S]*sunny\n$/,
          `killed at ${ms} ms: ${after.stdout}`,
        );
        assert.deepEqual(repoDirs(data), [`weather@${repo.head().slice(0, 7)}`]);
      }
    }
  });

  it("leaves either the old version or the new one, whole, when killed during an update", async () => {
    const data = join(dir.path, "data");
    const installed = await runCli(["start", "--data-dir", data], `!repos install ${repo.url}\n`);
    assert.match(installed.stdout, /Installed weather/);
    let expected = "sunny";
    for (const [i, ms] of DELAYS_MS.entries()) {
      const reply = `version ${i}`;
      repo.commit(`Version ${i}`, pluginFiles("weather", reply));
      await killDuring(data, "!repos update weather", ms);
      const after = await runCli(["start", "--data-dir", data], "!weather\n!repos\n");
      const answer = after.stdout.split("\n")[0];
      assert.ok(answer === expected || answer === reply, `killed at ${ms} ms, got: ${after.stdout}`);
      const dirs = repoDirs(data);
      assert.equal(dirs.length, 1, `killed at ${ms} ms: one checkout, got ${dirs.join(", ")}`);
      assert.match(
        after.stdout,
        new RegExp(`weather ${dirs[0]?.split("@")[1]} \\(main\\)`),
        "the record names the checkout on disk",
      );
      expected = answer as string;
    }
    const finish = await runCli(["start", "--data-dir", data], "!repos update weather\n!weather\n");
    assert.match(finish.stdout, new RegExp(`version ${DELAYS_MS.length - 1}\\n$`), finish.stdout);
  });
});
