import assert from "node:assert/strict";
import { ErrorCode } from "../../src/errors.js";
import { PluginStore } from "../../src/plugins/plugin-store.js";
import type { Store } from "../../src/storage/store.js";
import { openTempStore } from "../helpers/temp-store.js";

describe("PluginStore", () => {
  let temp: Awaited<ReturnType<typeof openTempStore>>;
  let store: Store;
  beforeEach(async () => {
    temp = await openTempStore();
    store = temp.store;
  });
  afterEach(() => temp.remove());

  it("keeps each plugin in its own namespace", async () => {
    const a = new PluginStore(store.sublevel("plugin-store"), "a", 10_000, store.journal);
    const ab = new PluginStore(store.sublevel("plugin-store"), "ab", 10_000, store.journal);
    await a.set("k", { v: 1 });
    await ab.set("k", "other");
    assert.deepEqual(await a.get("k"), { v: 1 });
    assert.deepEqual(await a.list(), ["k"]);
    assert.deepEqual(await ab.list(), ["k"]);
    assert.equal(await ab.get("k"), "other");
    await a.delete("k");
    assert.equal(await a.get("k"), null);
    assert.equal(await ab.get("k"), "other");
  });

  it("refuses a write over the quota, and keeps what was there", async () => {
    const s = new PluginStore(store.sublevel("plugin-store"), "p", 1000, store.journal);
    await s.set("a", "x".repeat(500));
    await assert.rejects(
      s.set("b", "y".repeat(600)),
      (err: Error & { code?: string }) => err.code === ErrorCode.QuotaExceeded,
    );
    assert.equal(await s.get("b"), null);
    await s.set("a", "x".repeat(900));
    assert.equal(((await s.get("a")) as string).length, 900, "replacing a value counts only the new size");
  });

  it("counts what is already stored after a restart", async () => {
    await new PluginStore(store.sublevel("plugin-store"), "p", 1000, store.journal).set("a", "x".repeat(800));
    store = await temp.reopen();
    const again = new PluginStore(store.sublevel("plugin-store"), "p", 1000, store.journal);
    await assert.rejects(again.set("b", "y".repeat(300)), /out of store space/);
    assert.ok((await again.usedBytes()) > 800);
  });

  it("refuses bad keys and undefined values", async () => {
    const s = new PluginStore(store.sublevel("plugin-store"), "p", 1000, store.journal);
    await assert.rejects(s.set("", 1), /keys are 1 to 256 characters/);
    await assert.rejects(s.set("k".repeat(300), 1), /keys are 1 to 256/);
    await assert.rejects(s.set("k", undefined), /use store\.delete/);
  });

  it("applies a sandbox's writes at once when it knows its sizes, and later when it must read them first", async () => {
    await new PluginStore(store.sublevel("plugin-store"), "p", 1000, store.journal).set(
      "old",
      "x".repeat(100),
    );
    const s = new PluginStore(store.sublevel("plugin-store"), "p", 1000, store.journal);
    const first = s.apply([["s", "a", 1]]);
    assert.ok(first instanceof Promise, "a fresh store reads its sizes first");
    await first;
    assert.equal(await s.get("a"), 1);
    assert.equal(
      s.apply([
        ["s", "b", { n: 2 }],
        ["d", "a"],
      ]),
      undefined,
      "then it writes at once",
    );
    assert.deepEqual(await s.get("b"), { n: 2 });
    assert.equal(await s.get("a"), null);
    assert.equal(await s.usedBytes(), 105 + 8, "what was stored before counts too");
    assert.throws(
      () =>
        s.apply([
          ["s", "c", 3],
          ["s", "big", "y".repeat(900)],
          ["s", "d", 4],
        ]),
      (err: Error & { code?: string }) => err.code === ErrorCode.QuotaExceeded,
    );
    assert.equal(await s.get("c"), 3, "writes before the refused one are made");
    assert.equal(await s.get("d"), null, "and none after it");
  });
});
