import assert from "node:assert/strict";
import { join, resolve } from "node:path";
import { packageRoot } from "../../src/paths.js";
import { runCli } from "../helpers/run-cli.js";
import { makeTempDir } from "../helpers/temp-dir.js";

const lines = (...l: string[]) => `${l.join("\n")}\n`;
const deployer = resolve(packageRoot, "test", "fixtures", "plugins", "deployer");

describe("groups, a deny rule and an approval, through the real CLI", function () {
  this.timeout(60_000);
  let dir: ReturnType<typeof makeTempDir>;
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(() => dir.remove());

  it("works as a scripted team session, and the audit keeps it across a restart", async () => {
    const data = join(dir.path, "data");
    const start = ["start", "--data-dir", data, "--plugin-paths", deployer];
    const first = await runCli(
      start,
      lines(
        "!auth add rita release-managers",
        "!auth add ivan interns",
        "!acl deny deployer:* group:interns room:prod",
        "/room prod",
        "/as ivan",
        "!deployed",
        "/as sam",
        "!deploy prod",
        "/as rita",
        "/dm",
        "!approvals",
      ),
    );
    assert.equal(first.code, 0, first.stderr);
    const out = first.stdout.split("\n");
    assert.deepEqual(out.slice(0, 3), [
      "console:rita is now in group release-managers.",
      "console:ivan is now in group interns.",
      "Added rule r1: deny deployer:* group:interns room:#prod.",
    ]);
    assert.equal(
      out[3],
      "You may not run `!deployed` in #prod (rule r1: deny deployer:* group:interns room:#prod). Ask an admin if you need it.",
    );
    const id = /^Request (\w+): sam asks to run `!deploy prod`/.exec(out[4] ?? "")?.[1];
    assert.ok(id, first.stdout);
    assert.match(out[5] ?? "", /^Waiting for approval:$/);
    assert.match(out[6] ?? "", new RegExp(`${id}: sam asks \`!deploy prod\` in #prod`));

    // A restart between the request and its approval: the request and the rules survive it.
    const second = await runCli(
      start,
      lines("/as sam", `!approve ${id}`, "/as rita", `!approve ${id}`, "/as operator", "!audit 6"),
    );
    assert.equal(second.code, 0, second.stderr);
    const after = second.stdout.split("\n");
    assert.match(after[0] ?? "", /You asked for request \w+ yourself/);
    assert.equal(after[1], `Approved ${id}: running \`!deploy prod\` for sam in #prod.`);
    assert.equal(
      after[2],
      "[#prod] Deployed to prod for sam in #prod.",
      "the result goes where it was asked",
    );
    const audit = after.slice(3).join("\n");
    assert.match(
      audit,
      /console:ivan #prod `!deployed` refused \(rule r1: deny deployer:\* group:interns room:#prod\)/,
    );
    assert.match(audit, /console:sam #prod `!deploy prod` waiting/);
    assert.match(
      audit,
      /console:sam `!approve \w+` allowed; approvals 1\.0\.0; error: You asked for request/,
    );
    assert.match(audit, /console:sam #prod `!deploy prod` approved by console:rita; deployer 2\.1\.0; ok/);
  });
});
