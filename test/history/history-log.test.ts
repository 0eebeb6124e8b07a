import assert from "node:assert/strict";
import { HistoryLog } from "../../src/history/history-log.js";
import type { Journal } from "../../src/storage/journal.js";
import type { Store } from "../../src/storage/store.js";
import { openTempStore } from "../helpers/temp-store.js";

describe("HistoryLog", () => {
  let temp: Awaited<ReturnType<typeof openTempStore>>;
  let store: Store;
  beforeEach(async () => {
    temp = await openTempStore();
    store = temp.store;
  });
  afterEach(() => temp.remove());

  it("numbers each user's commands from 1, separately per user", async () => {
    const h = new HistoryLog(store.sublevel("history"), store.journal);
    await h.record("console:a", "echo 1", null);
    await h.record("console:b", "echo b", "#ops");
    await h.record("console:a", "echo 2", null);
    assert.deepEqual(
      (await h.recent("console:a", 10)).map((e) => [e.n, e.text]),
      [
        [1, "echo 1"],
        [2, "echo 2"],
      ],
    );
    assert.deepEqual(
      (await h.recent("console:b", 10)).map((e) => [e.n, e.room]),
      [[1, "#ops"]],
    );
  });

  it("does not let one user's name prefix leak another's history", async () => {
    const h = new HistoryLog(store.sublevel("history"), store.journal);
    await h.record("console:al", "mine", null);
    await h.record("console:alice", "hers", null);
    assert.deepEqual(
      (await h.recent("console:al", 10)).map((e) => e.text),
      ["mine"],
    );
  });

  it("gives the last N, oldest first, and one entry by number", async () => {
    const h = new HistoryLog(store.sublevel("history"), store.journal);
    for (let i = 1; i <= 5; i++) await h.record("u", `cmd ${i}`, null);
    assert.deepEqual(
      (await h.recent("u", 2)).map((e) => e.text),
      ["cmd 4", "cmd 5"],
    );
    assert.equal((await h.get("u", 3))?.text, "cmd 3");
    assert.equal(await h.get("u", 99), undefined);
  });

  it("never gives two commands in flight the same number", async () => {
    const h = new HistoryLog(store.sublevel("history"), store.journal);
    const entries = await Promise.all(Array.from({ length: 20 }, (_, i) => h.record("u", `c${i}`, null)));
    assert.equal(new Set(entries.map((e) => e.n)).size, 20);
  });

  it("continues the numbering after a restart", async () => {
    const h = new HistoryLog(store.sublevel("history"), store.journal);
    await h.record("u", "before", null);
    await h.record("u", "before 2", null);
    store = await temp.reopen();
    const again = new HistoryLog(store.sublevel("history"), store.journal);
    const e = await again.record("u", "after", null);
    assert.equal(e.n, 3);
    assert.deepEqual(
      (await again.recent("u", 10)).map((x) => x.text),
      ["before", "before 2", "after"],
    );
  });

  it("a failed read of a user's last number is tried again, and numbering goes on from it", async () => {
    const db = store.sublevel("history");
    await new HistoryLog(db, store.journal).record("u", "before", null);
    await store.journal.committed();
    // A journal whose first wait for LevelDB fails (a read error), as a fake: nothing else can make one.
    let failOnce = true;
    const flaky = {
      committed: () => {
        if (!failOnce) return store.journal.committed();
        failOnce = false;
        return Promise.reject(new Error("disk hiccup"));
      },
      append: (op: Parameters<Journal["append"]>[0]) => store.journal.append(op),
    } as unknown as Journal;
    const h = new HistoryLog(db, flaky);
    const both = await Promise.allSettled([h.record("u", "a", null), h.record("u", "b", null)]);
    assert.deepEqual(
      both.map((r) => r.status),
      ["rejected", "rejected"],
      "one read, shared, failed for both",
    );
    assert.equal((await h.record("u", "after", null)).n, 2);
  });
});
