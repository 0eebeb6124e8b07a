import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { packageRoot } from "../../src/paths.js";
import { cleanEnv } from "../helpers/run-cli.js";

const reposDir = resolve(packageRoot, "repos");
const repos = readdirSync(reposDir, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(reposDir, d.name, "package.json")))
  .map((d) => d.name);

describe("first-party plugin repos pass their own tests", function () {
  this.timeout(120_000);
  it("has at least the hello repo", () => {
    assert.ok(repos.includes("hello"), repos.join());
  });
  for (const repo of repos) {
    it(`repos/${repo}: npm test`, () => {
      const r = spawnSync("npm", ["test", "--silent"], {
        cwd: join(reposDir, repo),
        env: cleanEnv(),
        encoding: "utf8",
      });
      assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
      assert.match(r.stdout, /# fail 0/);
      assert.doesNotMatch(r.stdout, /# pass 0\b/);
    });
  }
});
