import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { renderInitConfig } from "../../src/cli/init-config.js";
import { fileSchemaText, precompiledValidatorFile } from "../../src/config/config-schema.js";
import { loadConfig } from "../../src/config/load-config.js";
import { ErrorCode } from "../../src/errors.js";
import { makeTempDir } from "../helpers/temp-dir.js";

const isConfigError = (pattern: RegExp) => (err: Error & { code?: string }) =>
  err.code === ErrorCode.ConfigInvalid && pattern.test(err.message);

describe("loadConfig", () => {
  let dir: ReturnType<typeof makeTempDir>;
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(() => dir.remove());

  const write = (name: string, text: string) => {
    const file = join(dir.path, name);
    writeFileSync(file, text);
    return file;
  };

  it("has working defaults with no file, flag or variable", () => {
    const c = loadConfig([], {}, dir.path);
    assert.equal(c.prefix, "!");
    assert.equal(c.backend, "console");
    assert.equal(c.dataDir, join(dir.path, "data"));
    assert.deepEqual([...c.admins], ["console:operator"]);
    assert.equal(c.configFile, null);
  });

  it("reads errand.config.json from the working directory when present", () => {
    write("errand.config.json", '{ "prefix": "?" }');
    assert.equal(loadConfig([], {}, dir.path).prefix, "?");
  });

  it("ranks flags over environment over file over defaults", () => {
    const file = write("c.json", '{ "prefix": "file", "botName": "filebot", "logLevel": "debug" }');
    const c = loadConfig(
      ["--config", file, "--prefix", "flag"],
      { ERRAND_PREFIX: "env", ERRAND_BOT_NAME: "envbot" },
      dir.path,
    );
    assert.equal(c.prefix, "flag");
    assert.equal(c.botName, "envbot");
    assert.equal(c.logLevel, "debug");
  });

  it("gives each setting the same way by flag, variable and file", () => {
    const file = write("c.json", '{ "admins": ["console:a", "console:b"], "maxMessageLength": 100 }');
    const fromFile = loadConfig(["--config", file], {}, dir.path);
    const fromEnv = loadConfig(
      [],
      { ERRAND_ADMINS: "console:a, console:b", ERRAND_MAX_MESSAGE_LENGTH: "100" },
      dir.path,
    );
    const fromFlags = loadConfig(
      ["--admins", "console:a,console:b", "--max-message-length", "100"],
      {},
      dir.path,
    );
    for (const c of [fromFile, fromEnv, fromFlags]) {
      assert.deepEqual([...c.admins], ["console:a", "console:b"]);
      assert.equal(c.maxMessageLength, 100);
    }
  });

  it("takes ERRAND_CONFIG like --config", () => {
    const file = write("other.json", '{ "prefix": "." }');
    assert.equal(loadConfig([], { ERRAND_CONFIG: file }, dir.path).prefix, ".");
  });

  it("resolves a relative dataDir in the file against the file's directory", () => {
    const file = write("c.json", '{ "dataDir": "state" }');
    assert.equal(loadConfig(["--config", file], {}, "/").dataDir, join(dir.path, "state"));
  });

  it("accepts comments and trailing commas (the file errand init writes)", () => {
    const file = write("init.json", renderInitConfig());
    const c = loadConfig(["--config", file], {}, dir.path);
    assert.equal(c.prefix, "!");
    assert.equal(c.dataDir, join(dir.path, "data"));
  });

  it("returns a frozen config", () => {
    const c = loadConfig([], {}, dir.path);
    assert.ok(Object.isFrozen(c) && Object.isFrozen(c.admins));
  });

  it("refuses an unknown key in the file, naming it and the known keys", () => {
    const file = write("c.json", '{ "prefx": "?" }');
    assert.throws(
      () => loadConfig(["--config", file], {}, dir.path),
      isConfigError(/"prefx".*Known keys: dataDir/),
    );
  });

  it("refuses an unknown key inside a setting by its full path, not as an unknown setting", () => {
    const file = write(
      "c.json",
      '{ "acl": [{ "effect": "deny", "target": "echo", "who": "*", "rom": "ops" }] }',
    );
    assert.throws(
      () => loadConfig(["--config", file], {}, dir.path),
      isConfigError(/^Bad value for "acl\.0\.rom" in config file .*c\.json: it must be a list of rules like/),
    );
  });

  it("refuses a wrong type, naming the key and what is expected", () => {
    const file = write("c.json", '{ "maxMessageLength": "lots" }');
    assert.throws(
      () => loadConfig(["--config", file], {}, dir.path),
      isConfigError(/"maxMessageLength".*whole number/),
    );
  });

  it("refuses a bad value from a flag, naming the flag", () => {
    assert.throws(() => loadConfig(["--backend", "irc"], {}, dir.path), isConfigError(/--backend.*console/));
    assert.throws(
      () => loadConfig(["--max-message-length", "ten"], {}, dir.path),
      isConfigError(/--max-message-length/),
    );
  });

  it("refuses a bad value from the environment, naming the variable", () => {
    assert.throws(
      () => loadConfig([], { ERRAND_ADMINS: "bob" }, dir.path),
      isConfigError(/ERRAND_ADMINS.*identities/),
    );
  });

  it("refuses an unknown flag, listing the known ones", () => {
    assert.throws(
      () => loadConfig(["--data-dri", "x"], {}, dir.path),
      isConfigError(/--data-dri.*--data-dir/),
    );
  });

  it("refuses an unknown ERRAND_ variable (a typo would otherwise be ignored)", () => {
    assert.throws(
      () => loadConfig([], { ERRAND_DATADIR: "x" }, dir.path),
      isConfigError(/ERRAND_DATADIR.*ERRAND_DATA_DIR/),
    );
  });

  it("refuses a missing config file that was asked for", () => {
    assert.throws(
      () => loadConfig(["--config", "nope.json"], {}, dir.path),
      isConfigError(/nope\.json.*ENOENT/),
    );
  });

  it("refuses a file that is not JSON, with the line", () => {
    const file = write("c.json", '{\n  "prefix": "?"\n  "botName": "x"\n}');
    assert.throws(
      () => loadConfig(["--config", file], {}, dir.path),
      isConfigError(/not valid JSON at line 3/),
    );
  });

  it("refuses a file that is not an object", () => {
    const file = write("c.json", "[1, 2]");
    assert.throws(() => loadConfig(["--config", file], {}, dir.path), isConfigError(/JSON object/));
  });

  it("is checked by the validator the build precompiled, made from the schema as it is now", () => {
    // A stale one would be skipped quietly, and every start would compile the schema with Ajv again.
    const pre = createRequire(import.meta.url)(precompiledValidatorFile) as { schemaText?: string };
    assert.equal(pre.schemaText, fileSchemaText);
  });
});
