import assert from "node:assert/strict";
import { HandlingTimes } from "../../src/commands/handling-times.js";

/** A start `ms` milliseconds ago: the handling recorded now took that long (plus a few microseconds). */
const ago = (ms: number) => process.hrtime.bigint() - BigInt(Math.round(ms * 1e6));
const near = (actual: number, expected: number) =>
  assert.ok(Math.abs(actual - expected) < 0.5, `${actual} is not about ${expected}`);

describe("HandlingTimes", () => {
  it("has no figures before the first message", () => {
    assert.deepEqual(new HandlingTimes().summary(), {
      count: 0,
      p50Ms: 0,
      p99Ms: 0,
      inProgress: 0,
      oldestInProgressMs: 0,
    });
  });

  it("counts the messages being handled, the oldest's age, and leaves out the one asking", async () => {
    const times = new HandlingTimes();
    const [slow, talk, asker] = [{}, {}, {}];
    const slowStarted = times.begin(slow);
    await new Promise((resolve) => setTimeout(resolve, 30));
    const talkStarted = times.begin(talk);
    times.begin(asker);
    const now = times.summary(asker);
    assert.equal(now.inProgress, 2);
    assert.ok(now.oldestInProgressMs >= 25, `${now.oldestInProgressMs} ms`);
    assert.equal(now.count, 0, "nothing finished yet");
    times.end(talk, talkStarted, false);
    times.end(slow, slowStarted, true);
    const later = times.summary(asker);
    assert.equal(later.inProgress, 0);
    assert.equal(later.count, 1, "talk it let pass is not recorded");
    assert.ok(later.p50Ms >= 25);
  });

  it("gives the median and the 99th percentile of what it recorded", () => {
    const times = new HandlingTimes();
    // Recorded out of order: the percentiles must not depend on arrival order.
    for (const ms of [7, 3, 100, 1, 5, 9, 2, 8, 4, 6]) times.record(ago(ms));
    const s = times.summary();
    assert.equal(s?.count, 10);
    near(s?.p50Ms ?? -1, 5);
    near(s?.p99Ms ?? -1, 100);
  });

  it("describes the last 1,000 messages only", () => {
    const times = new HandlingTimes();
    for (let i = 0; i < 500; i++) times.record(ago(5000));
    for (let ms = 1; ms <= 1000; ms++) times.record(ago(ms));
    const s = times.summary();
    assert.equal(s?.count, 1000);
    near(s?.p50Ms ?? -1, 500);
    near(s?.p99Ms ?? -1, 990);
  });
});
