import assert from "node:assert/strict";
import { commandNameFromFunction, usageLine } from "../../src/docs/command-doc.js";
import { extractDocs } from "../../src/docs/extract-docs.js";
import { ErrorCode } from "../../src/errors.js";

const source = `
import type { Context } from "errand/plugin";

/**
 * Starts a build of a job, with optional parameters.
 *
 * @remarks
 * Parameters go as \`key=value\`.
 * @param job - the Jenkins job name
 * @param extra - more words
 * @example !jenkins build deploy-api branch=main
 * @example !jenkins build nightly
 * @command jenkins build
 * @approval release-managers
 */
export async function build(ctx: Context, job: string, ...extra: string[]): Promise<string> {
  return job;
}

/**
 * Shows the status of the last build.
 * @param job - which job
 * @param n - build number
 * @admin
 * @hidden
 */
export function buildStatus(ctx: Context, job: string, n?: string) { return ""; }

/**
 * Answers when someone says deploy, with {braces} and a \\\\backslash.
 * @match ^deploy (\\w+) to {prod|staging}$
 */
export const hearDeploy = (ctx: Context) => "";

/**
 * Receives build events.
 * @webhook
 */
export function notify(ctx: Context, count = "1") { return ""; }

/** @internal */
export function pollQueue() {}

function notExported() {}
`;

describe("extractDocs", () => {
  const docs = extractDocs("plugin/index.ts", source);
  const byName = (n: string) => {
    const d = docs.find((x) => x.exportName === n);
    assert.ok(d, `no doc for ${n}`);
    return d;
  };

  it("documents every exported function and nothing else", () => {
    assert.deepEqual(
      docs.map((d) => d.exportName),
      ["build", "buildStatus", "hearDeploy", "notify", "pollQueue"],
    );
  });

  it("reads the summary, remarks, params and examples", () => {
    const d = byName("build");
    assert.equal(d.summary, "Starts a build of a job, with optional parameters.");
    assert.equal(d.remarks, "Parameters go as `key=value`.");
    assert.deepEqual(d.params, [
      { name: "job", description: "the Jenkins job name", optional: false, rest: false },
      { name: "extra", description: "more words", optional: false, rest: true },
    ]);
    assert.deepEqual(d.examples, ["!jenkins build deploy-api branch=main", "!jenkins build nightly"]);
  });

  it("takes the chat name from @command, else from the function name", () => {
    assert.equal(byName("build").command, "jenkins build");
    assert.equal(byName("buildStatus").command, "build status");
  });

  it("reads @approval, @admin, @hidden, @webhook and @internal", () => {
    assert.equal(byName("build").approval, "release-managers");
    assert.equal(byName("build").admin, false);
    assert.equal(byName("buildStatus").admin, true);
    assert.equal(byName("buildStatus").hidden, true);
    assert.equal(byName("notify").webhook, true);
    assert.equal(byName("pollQueue").internal, true);
    assert.equal(byName("build").internal, false);
  });

  it("reads optional parameters: a question mark or a default value", () => {
    assert.equal(byName("buildStatus").params[1]?.optional, true);
    assert.equal(byName("notify").params[0]?.optional, true);
  });

  it("keeps a @match regular expression exactly as written, backslashes and braces included", () => {
    assert.equal(byName("hearDeploy").match, "^deploy (\\w+) to {prod|staging}$");
    assert.doesNotThrow(() => new RegExp(byName("hearDeploy").match as string));
  });

  it("records where each function is defined", () => {
    assert.equal(byName("build").file, "plugin/index.ts");
    assert.equal(byName("build").line, 16);
  });

  it("refuses an exported command without a summary, naming file and line", () => {
    const src = "\n/**\n * @param x - thing\n */\nexport function frob(ctx: unknown, x: string) {}\n";
    assert.throws(
      () => extractDocs("bad.ts", src),
      (err: Error & { code?: string }) => err.code === ErrorCode.DocsInvalid && /bad\.ts:5/.test(err.message),
    );
  });

  it("refuses an exported function with no doc comment, naming file and line", () => {
    assert.throws(
      () => extractDocs("bare.ts", "// a line comment\nexport function frob() {}\n"),
      /bare\.ts:2.*no TSDoc/,
    );
  });
});

describe("command names and usage", () => {
  it("splits camelCase into words", () => {
    assert.equal(commandNameFromFunction("buildStatus"), "build status");
    assert.equal(commandNameFromFunction("reposInstall"), "repos install");
    assert.equal(commandNameFromFunction("getURL"), "get url");
    assert.equal(commandNameFromFunction("echo"), "echo");
  });

  it("renders required, optional and rest parameters", () => {
    const d = extractDocs("p.ts", source).find((x) => x.exportName === "buildStatus");
    assert.ok(d);
    assert.equal(usageLine(d, "!"), "!build status <job> [n]");
    const b = extractDocs("p.ts", source).find((x) => x.exportName === "build");
    assert.ok(b);
    assert.equal(usageLine(b, "?"), "?jenkins build <job> [extra...]");
  });
});
