import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ErrorCode } from "../../src/errors.js";
import { describePermissions, loadManifest } from "../../src/plugins/manifest.js";
import { buildPlugin } from "../../src/sandbox/build-plugin.js";
import { makeTempDir } from "../helpers/temp-dir.js";

const good = {
  name: "demo",
  version: "1.0.0",
  description: "A demo",
  main: "index.ts",
  errand: "^1.0.0",
  permissions: { net: ["config:url", "*.ci.internal:8443"], webhooks: true, schedule: true },
  limits: { memoryMb: 64, timeoutMs: 5000 },
  config: {
    type: "object",
    properties: { url: { type: "string", format: "uri" }, token: { type: "string", secret: true } },
  },
};

describe("loadManifest", () => {
  let dir: ReturnType<typeof makeTempDir>;
  const write = (
    manifest: unknown,
    source = "/** Does it. */\nexport function go(ctx: unknown) { return 'went'; }\n",
  ) => {
    writeFileSync(
      join(dir.path, "plugin.json"),
      typeof manifest === "string" ? manifest : JSON.stringify(manifest),
    );
    writeFileSync(join(dir.path, "index.ts"), source);
  };
  const refuses = (manifest: unknown, code: ErrorCode, pattern: RegExp) => {
    write(manifest);
    assert.throws(
      () => loadManifest(dir.path, "1.4.0"),
      (err: Error & { code?: string }) => {
        assert.equal(err.code, code, err.message);
        assert.match(err.message, pattern);
        return true;
      },
    );
  };
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(() => dir.remove());

  it("reads a good manifest, with defaults for what it leaves out", () => {
    write(good);
    const m = loadManifest(dir.path, "1.4.0");
    assert.equal(m.name, "demo");
    assert.deepEqual(m.permissions, good.permissions);
    write({ ...good, permissions: undefined, limits: undefined, config: undefined });
    const bare = loadManifest(dir.path, "1.4.0");
    assert.deepEqual(bare.permissions, { net: [], webhooks: false, schedule: false });
    assert.equal(bare.config, null);
  });

  it("describes permissions for people", () => {
    assert.deepEqual(describePermissions(good.permissions), [
      "net: the host set in config key url",
      "net: *.ci.internal:8443",
      "webhooks: receive HTTP requests",
      "schedule: run timers",
    ]);
  });

  it("refuses a missing plugin.json, naming the file", () => {
    assert.throws(() => loadManifest(dir.path, "1.0.0"), /plugin\.json is missing/);
  });

  it("refuses JSON that does not parse", () => {
    refuses("{ name: demo", ErrorCode.ManifestInvalid, /plugin\.json is not valid JSON/);
  });

  it("refuses a missing field, naming it", () => {
    const { description: _, ...noDescription } = good;
    refuses(noDescription, ErrorCode.ManifestInvalid, /plugin\.json: field description: is required/);
  });

  it("refuses a bad name, saying what a name looks like", () => {
    refuses({ ...good, name: "Bad Name" }, ErrorCode.ManifestInvalid, /field name: .*lowercase letters/);
  });

  it("refuses a version that is not semver", () => {
    refuses(
      { ...good, version: "one" },
      ErrorCode.ManifestInvalid,
      /field version: "one" is not a semantic version/,
    );
  });

  it("refuses an errand range that is not a range", () => {
    refuses(
      { ...good, errand: "whenever" },
      ErrorCode.ManifestInvalid,
      /field errand: "whenever" is not a semver range/,
    );
  });

  it("refuses a plugin built for a newer host, naming both versions", () => {
    refuses(
      { ...good, errand: "^2.0.0" },
      ErrorCode.IncompatiblePlugin,
      /demo 1\.0\.0 needs Errand \^2\.0\.0, but this is Errand 1\.4\.0/,
    );
  });

  it("accepts a prerelease host inside the range", () => {
    write({ ...good, errand: "^1.0.0" });
    assert.equal(loadManifest(dir.path, "1.5.0-beta.1").name, "demo");
  });

  it("refuses an unknown permission, naming the file and the field's full path", () => {
    refuses(
      { ...good, permissions: { fs: true } },
      ErrorCode.ManifestInvalid,
      /plugin\.json: field permissions\.fs: is not a known field \(known permissions are net/,
    );
  });

  it("refuses a bad net pattern", () => {
    refuses({ ...good, permissions: { net: ["http://x/"] } }, ErrorCode.ManifestInvalid, /permissions\.net/);
  });

  it("refuses config:KEY for a key the schema does not define", () => {
    refuses(
      { ...good, permissions: { net: ["config:host"] } },
      ErrorCode.ManifestInvalid,
      /names config key "host", which the config schema does not define/,
    );
  });

  it("refuses a config schema that is not valid JSON Schema", () => {
    refuses(
      { ...good, config: { type: "object", properties: { url: { type: "strnig" } } } },
      ErrorCode.ManifestInvalid,
      /field config is not a valid JSON Schema/,
    );
  });

  it("refuses a main file outside the plugin folder or missing", () => {
    refuses(
      { ...good, main: "../../etc/passwd" },
      ErrorCode.ManifestInvalid,
      /field main: .* is not a file inside the plugin folder/,
    );
    refuses({ ...good, main: "src/nope.ts" }, ErrorCode.ManifestInvalid, /field main/);
  });

  it("refuses an unknown limit, or one out of range, naming the field's full path", () => {
    refuses(
      { ...good, limits: { cpus: 4 } },
      ErrorCode.ManifestInvalid,
      /plugin\.json: field limits\.cpus: is not a known field \(known limits are memoryMb, timeoutMs and wallTimeoutMs/,
    );
    refuses(
      { ...good, limits: { memoryMb: 1 } },
      ErrorCode.ManifestInvalid,
      /plugin\.json: field limits\.memoryMb: must be >= 8/,
    );
  });
});

describe("buildPlugin", function () {
  this.timeout(20_000);
  let dir: ReturnType<typeof makeTempDir>;
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(() => dir.remove());
  const manifest = {
    ...good,
    permissions: { net: [], webhooks: false, schedule: false },
    limits: {},
    config: null,
  };

  it("refuses an exported command without a summary, naming file and line", async () => {
    writeFileSync(
      join(dir.path, "index.ts"),
      "\n\n/** @param x - a thing */\nexport function go(ctx: unknown, x: string) {}\n",
    );
    await assert.rejects(
      buildPlugin(dir.path, manifest, join(dir.path, ".cache")),
      /demo\/index\.ts:4: exported function go has no summary/,
    );
  });

  it("refuses to bundle a Node.js module, saying why", async () => {
    writeFileSync(
      join(dir.path, "index.ts"),
      'import { readFileSync } from "node:fs";\n/** Reads. */\nexport function go() { return readFileSync; }\n',
    );
    await assert.rejects(
      buildPlugin(dir.path, manifest, join(dir.path, ".cache")),
      /index\.ts:1: "node:fs" is a Node\.js module.*use ctx\.http/,
    );
  });

  it("bundles relative imports and pure-JS dependencies from node_modules", async () => {
    mkdirSync(join(dir.path, "node_modules", "tiny-dep"), { recursive: true });
    writeFileSync(
      join(dir.path, "node_modules", "tiny-dep", "package.json"),
      '{"name":"tiny-dep","main":"index.js"}',
    );
    writeFileSync(
      join(dir.path, "node_modules", "tiny-dep", "index.js"),
      "exports.shout = (s) => s.toUpperCase();",
    );
    writeFileSync(join(dir.path, "util.ts"), "export const suffix = '!';");
    writeFileSync(
      join(dir.path, "index.ts"),
      'import { shout } from "tiny-dep";\nimport { suffix } from "./util";\n/** Shouts. */\nexport function go() { return shout("hi") + suffix; }\n',
    );
    const build = await buildPlugin(dir.path, manifest, join(dir.path, ".cache"));
    assert.match(build.code, /toUpperCase/);
    assert.deepEqual(
      build.docs.map((d) => d.command),
      ["go"],
    );
    const again = await buildPlugin(dir.path, manifest, join(dir.path, ".cache"));
    assert.equal(again.hash, build.hash, "a second build of the same sources comes from the cache");
  });

  it("refuses a syntax error with file and line", async () => {
    writeFileSync(join(dir.path, "index.ts"), "/** Broken. */\nexport function go() {\n  return (;\n}\n");
    await assert.rejects(
      buildPlugin(dir.path, manifest, join(dir.path, ".cache")),
      /does not build: index\.ts:3:/,
    );
  });
});
