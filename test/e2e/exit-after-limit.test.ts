import assert from "node:assert/strict";
import { join, resolve } from "node:path";
import { packageRoot } from "../../src/paths.js";
import { runCli } from "../helpers/run-cli.js";
import { makeTempDir } from "../helpers/temp-dir.js";

const bomb = resolve(packageRoot, "test", "fixtures", "plugins", "hostile-memory");

describe("the CLI exits cleanly after a plugin was stopped at a limit", function () {
  this.timeout(120_000);
  let dir: ReturnType<typeof makeTempDir>;
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(() => dir.remove());

  // Exiting while isolated-vm still tears down a stopped isolate used to crash about every other run
  // (SIGSEGV, exit 139) after every reply was written; a handful of runs catches it.
  it("answers, then exits 0, run after run", async () => {
    for (let run = 0; run < 6; run++) {
      const r = await runCli(
        ["start", "--data-dir", join(dir.path, `d${run}`), "--plugin-paths", bomb],
        "!bomb\n",
      );
      assert.match(r.stdout, /Plugin hostile-memory was stopped: it used more than its 16 MB of memory\./);
      assert.equal(r.code, 0, `run ${run}: exit ${r.code} ${r.stderr}`);
    }
  });
});
