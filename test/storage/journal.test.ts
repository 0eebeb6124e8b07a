import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { appendFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Level } from "level";
import { HistoryLog } from "../../src/history/history-log.js";
import { PluginStore } from "../../src/plugins/plugin-store.js";
import { applyStoreWrites, type GuestServices } from "../../src/sandbox/host-api.js";
import { Journal, jsonText } from "../../src/storage/journal.js";
import { type JsonSublevel, Store } from "../../src/storage/store.js";
import type { WriteAheadLog } from "../../src/storage/write-ahead-log.js";
import { makeTempDir } from "../helpers/temp-dir.js";
import { openTempStore } from "../helpers/temp-store.js";

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
    const written = store.journal.append({
      type: "put",
      sublevel: history,
      key: "k1",
      json: jsonText({ n: 1 }),
    });
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
      const written = journal.append({ type: "put", sublevel: history, key: "k1", json: jsonText({ n: 1 }) });
      assert.doesNotThrow(() => journal.durable());
      assert.equal(errors.length, 1);
      assert.match(errors[0] as string, /^log 1 /);
      await written;
      assert.deepEqual(await history.get("k1"), { n: 1 });
      journal.append({ type: "put", sublevel: history, key: "k2", json: jsonText({ n: 2 }) });
      await journal.checkpoint();
      assert.deepEqual(await history.get("k2"), { n: 2 }, "a shutdown's checkpoint goes through");
    } finally {
      await db.close();
    }
  });

  it("an append made while a batch is written resolves only once its own batch is in LevelDB", async () => {
    const temp = await openTempStore();
    try {
      const history = temp.store.sublevel("history");
      const first = temp.store.journal.append({
        type: "put",
        sublevel: history,
        key: "a",
        json: jsonText(1),
      });
      const firstBatch = temp.store.journal.committed(); // starts writing the first batch
      await null; // the batch is taken (appends in the same turn join it, by design)
      const second = temp.store.journal.append({
        type: "put",
        sublevel: history,
        key: "b",
        json: jsonText(2),
      });
      assert.notEqual(first, second, "the second waits for its own batch");
      await firstBatch;
      await second;
      assert.equal(await history.get("b"), 2);
    } finally {
      await temp.remove();
    }
  });

  it("a disk that fills mid-write is reported, and the next answered record still survives a crash", () => {
    const dir = makeTempDir();
    try {
      const file = join(dir.path, "journal.log");
      const mod = (p: string) => JSON.stringify(new URL(p, import.meta.url).href);
      const script = `
        import { spawnSync } from "node:child_process";
        process.on("SIGXFSZ", () => {});
        const { Journal } = await import(${mod("../../src/storage/journal.js")});
        const { WriteAheadLog } = await import(${mod("../../src/storage/write-ahead-log.js")});
        const { wal } = WriteAheadLog.open(${JSON.stringify(file)});
        const journal = new Journal({ batch: async () => {} }, wal, () => "history");
        const errors = [];
        journal.onError = (err, failed) => errors.push(failed);
        const put = (key, n) => {
          journal.append({ type: "put", sublevel: {}, key, json: JSON.stringify("v".repeat(n)) });
          journal.durable(); // the bot answers right after this
        };
        put("k1", 1500);
        put("k2", 1000); // the "disk" fills during this write
        // Space is freed: the soft file-size limit is raised to the hard one.
        spawnSync("prlimit", ["--pid", String(process.pid), "--fsize=unlimited"]);
        put("k3", 10);
        const replayed = WriteAheadLog.open(${JSON.stringify(file)}).pending.map((o) => o.k);
        process.stdout.write(JSON.stringify({ errors, replayed }));
      `;
      // A 2 KiB soft file-size limit stands in for a disk that fills up.
      const r = spawnSync(
        "bash",
        ["-c", `ulimit -S -f 2; exec node --input-type=module -e '${script.replace(/'/g, "'\\''")}'`],
        { encoding: "utf8" },
      );
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), { errors: ["log"], replayed: ["k1", "k3"] });
    } finally {
      dir.remove();
    }
  });

  it("a sandbox's writes cannot add records to the log: keys and values that look like log text stay data", async () => {
    const temp = await openTempStore();
    try {
      const s = new PluginStore(temp.store.sublevel("plugin-store"), "p", 100_000, temp.store.journal);
      const fake =
        '"}],[{"t":"put","s":"acl","k":"x","v":{"effect":"allow"}}]\n[{"t":"del","s":"audit","k":"1"}]';
      // As the guest hands them over (JSON text it made, or a tampered realm made): parsed, checked,
      // and serialised again by the host.
      const batch = JSON.stringify([
        ["s", fake, fake],
        ["s", "lone \ud800 surrogate\u2028", { [fake]: [fake, 1e21, -0] }],
        ["d", fake],
      ]);
      await applyStoreWrites({ store: s } as unknown as GuestServices, batch);
      temp.store.journal.durable();
      const lines = readFileSync(`${temp.dir}/journal.log`, "utf8").split("\n").filter(Boolean);
      assert.equal(lines.length, 3, "one line per write");
      for (const line of lines) {
        const ops = JSON.parse(line) as { s: string; k: string }[];
        assert.equal(ops.length, 1);
        assert.equal(ops[0]?.s, "plugin-store");
        assert.ok(ops[0]?.k.startsWith("p\u0000"));
      }
    } finally {
      await temp.remove();
    }
  });
});
