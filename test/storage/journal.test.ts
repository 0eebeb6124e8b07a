import assert from "node:assert/strict";
import { appendFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Level } from "level";
import { HistoryLog } from "../../src/history/history-log.js";
import { PluginStore } from "../../src/plugins/plugin-store.js";
import { Journal } from "../../src/storage/journal.js";
import { type JsonSublevel, Store } from "../../src/storage/store.js";
import type { WriteAheadLog } from "../../src/storage/write-ahead-log.js";
import { makeTempDir } from "../helpers/temp-dir.js";

describe("the journal (write-ahead log in front of LevelDB)", () => {
  let dir: ReturnType<typeof makeTempDir>;
  let store: Store | undefined;
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
    dir.remove();
  });
  const log = () => join(dir.path, "journal.log");

  it("writes what was appended to the log when made durable, and to LevelDB behind it", async () => {
    store = await Store.open(dir.path);
    const history = store.sublevel("history");
    const written = store.journal.append({ type: "put", sublevel: history, key: "k1", json: '{"n":1}' });
    store.journal.durable();
    assert.deepEqual(JSON.parse(readFileSync(log(), "utf8")), [
      { t: "put", s: "history", k: "k1", v: { n: 1 } },
    ]);
    await written;
    assert.deepEqual(await history.get("k1"), { n: 1 });
  });

  it("applies at start what the log holds but LevelDB never got (a crash in between)", async () => {
    store = await Store.open(dir.path);
    await store.close();
    // What a bot killed between its answer and its LevelDB batch leaves behind, and a torn last line.
    appendFileSync(
      log(),
      `${JSON.stringify([
        { t: "put", s: "audit", k: "00000000000001", v: { command: "echo hi" } },
        { t: "put", s: "plugin-store", k: "p\u0000count", v: "7", u: true },
      ])}\n${JSON.stringify([{ t: "del", s: "plugin-store", k: "p\u0000count" }]).slice(0, 20)}`,
    );
    store = await Store.open(dir.path);
    assert.deepEqual(await store.sublevel("audit").get("00000000000001"), { command: "echo hi" });
    assert.equal(
      await store.sublevel("plugin-store").get("p\u0000count"),
      7,
      "the torn delete was never answered",
    );
    assert.equal(readFileSync(log(), "utf8"), "", "and the log is emptied");
  });

  it("replays the lines it writes itself, values exactly as they were set", async () => {
    store = await Store.open(dir.path);
    const s = new PluginStore(store.sublevel("plugin-store"), "p", 10_000, store.journal);
    const value = { text: 'say "hi"\n\u2028 \u{1F600} \\', list: [1, null, true], nested: { a: "" } };
    await s.set("k\u00e9y", value);
    await new HistoryLog(store.sublevel("history"), store.journal).record("console:ada", "echo one", null);
    store.journal.durable();
    const logged = readFileSync(log(), "utf8");
    await store.close();
    // Another data dir whose LevelDB never got these: only the log has them.
    const other = makeTempDir();
    try {
      appendFileSync(join(other.path, "journal.log"), logged);
      store = await Store.open(other.path);
      const again = new PluginStore(store.sublevel("plugin-store"), "p", 10_000, store.journal);
      assert.deepEqual(await again.get("k\u00e9y"), value);
      const history = new HistoryLog(store.sublevel("history"), store.journal);
      assert.equal((await history.recent("console:ada", 1))[0]?.text, "echo one");
      await store.close();
      store = undefined;
    } finally {
      other.remove();
    }
  });

  it("does not bring back a plugin's cleared store after a crash", async () => {
    store = await Store.open(dir.path);
    const s = new PluginStore(store.sublevel("plugin-store"), "p", 10_000, store.journal);
    await s.set("a", 1);
    store.journal.durable();
    await s.clear();
    assert.equal(readFileSync(log(), "utf8"), "");
    await store.close();
    store = await Store.open(dir.path);
    const again = new PluginStore(store.sublevel("plugin-store"), "p", 10_000, store.journal);
    assert.equal(await again.get("a"), null);
  });

  it("keeps answering and closing when its log cannot be written (a full disk): it says so, and LevelDB still gets the records", async () => {
    // A full disk cannot be made safely in a test: a log whose every append fails as write() then does.
    const wal = {
      append() {
        throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
      },
      clear() {},
      bytes: 0,
    } as unknown as WriteAheadLog;
    const db = new Level<string, unknown>(join(dir.path, "db"), { valueEncoding: "json" });
    await db.open();
    try {
      const history = db.sublevel<string, unknown>("history", { valueEncoding: "json" }) as JsonSublevel;
      const journal = new Journal(db, wal, () => "history");
      const errors: string[] = [];
      journal.onError = (err, failed, operations) =>
        errors.push(`${failed} ${operations} ${(err as Error).message}`);
      const written = journal.append({ type: "put", sublevel: history, key: "k1", json: '{"n":1}' });
      assert.doesNotThrow(() => journal.durable());
      assert.equal(errors.length, 1);
      assert.match(errors[0] as string, /^log 1 /);
      await written;
      assert.deepEqual(await history.get("k1"), { n: 1 });
      journal.append({ type: "put", sublevel: history, key: "k2", json: '{"n":2}' });
      await journal.checkpoint();
      assert.deepEqual(await history.get("k2"), { n: 2 }, "a shutdown's checkpoint goes through");
    } finally {
      await db.close();
    }
  });
});
