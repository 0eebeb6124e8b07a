import assert from "node:assert/strict";
import { CommandRegistry } from "../../src/commands/registry.js";
import { ErrorCode } from "../../src/errors.js";
import { command } from "../helpers/commands.js";

describe("CommandRegistry", () => {
  it("resolves the longest registered command the words start with", () => {
    const r = new CommandRegistry();
    r.registerAll([command("repos", "repos"), command("repos install", "repos")]);
    assert.equal(r.resolve(["repos", "install", "x"])?.command.name, "repos install");
    assert.equal(r.resolve(["repos", "install", "x"])?.wordCount, 2);
    assert.equal(r.resolve(["repos", "list"])?.command.name, "repos");
    assert.equal(r.resolve(["repos"])?.wordCount, 1);
  });

  it("matches command words case-insensitively", () => {
    const r = new CommandRegistry();
    r.registerAll([command("plugin info", "plugins")]);
    assert.equal(r.resolve(["Plugin", "INFO", "x"])?.command.name, "plugin info");
  });

  it("returns nothing for unknown words", () => {
    const r = new CommandRegistry();
    r.registerAll([command("echo", "utils")]);
    assert.equal(r.resolve(["ech"]), undefined);
  });

  it("refuses a command another plugin defines, naming both plugins, and adds none of the batch", () => {
    const r = new CommandRegistry();
    r.registerAll([command("build", "jenkins")]);
    assert.throws(
      () => r.registerAll([command("deploy", "ci"), command("build", "ci")]),
      (err: Error & { code?: string }) =>
        err.code === ErrorCode.DuplicateCommand && /jenkins/.test(err.message) && /ci/.test(err.message),
    );
    assert.equal(r.get("deploy"), undefined);
    assert.equal(r.get("build")?.plugin, "jenkins");
  });

  it("refuses a duplicate within one plugin", () => {
    const r = new CommandRegistry();
    assert.throws(() => r.registerAll([command("x", "p"), command("x", "p")]), /already defined/);
  });

  it("drops all of a plugin's commands on unregister, and the name can be taken again", () => {
    const r = new CommandRegistry();
    r.registerAll([command("a", "p"), command("b c", "p"), command("d", "q")]);
    r.unregisterPlugin("p");
    assert.deepEqual(
      r.all().map((c) => c.name),
      ["d"],
    );
    r.registerAll([command("a", "q")]);
    assert.equal(r.get("a")?.plugin, "q");
  });
});
