import assert from "node:assert/strict";
import { ErrorCode } from "../../src/errors.js";
import { Store } from "../../src/storage/store.js";
import { makeTempDir } from "../helpers/temp-dir.js";

describe("Store", () => {
  let dir: ReturnType<typeof makeTempDir>;
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(() => dir.remove());

  it("keeps values across a close and reopen", async () => {
    const a = await Store.open(dir.path);
    await a.sublevel("meta").put("k", { n: 1 });
    await a.close();
    const b = await Store.open(dir.path);
    assert.deepEqual(await b.sublevel("meta").get("k"), { n: 1 });
    await b.close();
  });

  it("keeps sublevels apart", async () => {
    const s = await Store.open(dir.path);
    await s.sublevel("meta").put("k", "meta");
    assert.equal(await s.sublevel("history").get("k"), undefined);
    await s.close();
  });

  it("says clearly when another bot holds the database", async () => {
    const first = await Store.open(dir.path);
    try {
      await assert.rejects(
        Store.open(dir.path),
        (err: Error & { code?: string }) =>
          err.code === ErrorCode.StorageLocked && /--data-dir/.test(err.message),
      );
    } finally {
      await first.close();
    }
  });
});
