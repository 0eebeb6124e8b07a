import assert from "node:assert/strict";
import { suggestCommands } from "../../src/commands/suggest.js";

const names = ["echo", "help", "history", "repos install", "repos update", "repos", "whoami", "status"];

describe("suggestCommands", () => {
  it("finds a command with a typo", () => {
    assert.deepEqual(suggestCommands(["ecoh"], names), ["echo"]);
  });

  it("finds a command with two letters swapped", () => {
    assert.equal(suggestCommands(["hepl"], names)[0], "help");
  });

  it("finds multi-word commands from a misspelt second word", () => {
    assert.ok(suggestCommands(["repos", "instal", "x"], names).includes("repos install"));
  });

  it("offers a family's commands for an unknown second word", () => {
    const found = suggestCommands(["repos", "frobnicate"], names);
    assert.ok(found.includes("repos install") && found.includes("repos update"), found.join());
  });

  it("offers nothing for words far from every name", () => {
    assert.deepEqual(suggestCommands(["zzzzzz"], names), []);
  });

  it("offers at most three, best first", () => {
    assert.ok(suggestCommands(["repos", "x"], names).length <= 3);
  });
});
