import assert from "node:assert/strict";
import { join, resolve } from "node:path";
import { packageRoot } from "../../src/paths.js";
import { LineProcess } from "../bench/line-process.js";
import { cleanEnv, cliPath, runCli } from "../helpers/run-cli.js";
import { makeTempDir } from "../helpers/temp-dir.js";

const hello = resolve(packageRoot, "repos", "hello");

describe("a kill -9 right after the answers loses none of what was answered", function () {
  this.timeout(60_000);
  let dir: ReturnType<typeof makeTempDir>;
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(() => dir.remove());

  // History, audit and store writes are grouped into few LevelDB writes, and the answers wait for them:
  // whatever was answered is on disk, however fast the commands came.
  it("keeps every answered command's history, audit entry and store write", async () => {
    const data = join(dir.path, "data");
    const bot = new LineProcess(cliPath, ["start", "--data-dir", data, "--plugin-paths", hello], cleanEnv());
    const n = 300;
    bot.send(Array.from({ length: n }, (_, i) => `!hello n${i % 7}\n`).join(""));
    const answers = await bot.nextLines(n);
    assert.equal(answers.at(-1), `Hello, n${(n - 1) % 7}!`);
    bot.child.kill("SIGKILL");
    await new Promise((ok) => bot.child.once("close", ok));

    const after = await runCli(
      ["start", "--data-dir", data, "--plugin-paths", hello],
      "!history 2\n!greetings\n!audit 3\n",
    );
    const out = after.stdout.split("\n");
    assert.match(out[1] ?? "", new RegExp(`^\\s+${n}  !hello n${(n - 1) % 7}$`), after.stdout);
    assert.match(out[3] ?? "", new RegExp(`^I have greeted ${n} times;`), after.stdout);
    assert.match(
      out[4] ?? "",
      new RegExp(`\`!hello n${(n - 1) % 7}\` allowed; hello 1\\.0\\.0; ok`),
      after.stdout,
    );
  });
});
