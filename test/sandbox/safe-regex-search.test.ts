import assert from "node:assert/strict";
import { PatternTooSlowError } from "../../src/errors.js";
import { searchTexts } from "../../src/sandbox/safe-regex-search.js";

describe("searchTexts", function () {
  this.timeout(10_000);

  it("says which texts a pattern matches, as RegExp.test would", async () => {
    const texts = ["history", "Runs your last command again", "uptime", ""];
    assert.deepEqual(await searchTexts("hist|AGAIN", "i", texts), [true, true, false, false]);
    assert.deepEqual(await searchTexts("^$", "", texts), [false, false, false, true]);
  });

  it("does not carry a global pattern's position from one text to the next", async () => {
    assert.deepEqual(await searchTexts("a", "g", ["a", "a", "ba"]), [true, true, true]);
  });

  it("stops a pattern that backtracks for ever, and searches again afterwards", async () => {
    await assert.rejects(
      searchTexts("^(a+)+$", "", [`${"a".repeat(40)}b`], 50),
      (err: unknown) => err instanceof PatternTooSlowError && /took longer than 50 ms/.test(err.message),
    );
    assert.deepEqual(await searchTexts("a+", "", ["aaa"]), [true]);
  });
});
