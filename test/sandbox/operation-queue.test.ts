import assert from "node:assert/strict";
import { OperationQueue } from "../../src/sandbox/operation-queue.js";

describe("OperationQueue", () => {
  it("runs every operation, in order, a few per turn, so other work gets turns in between", async () => {
    const queue = new OperationQueue();
    const ran: number[] = [];
    let otherTurns = 0;
    const done = new Promise<void>((resolve) => {
      for (let i = 0; i < 1000; i++)
        queue.push(() => {
          ran.push(i);
          if (i === 999) resolve();
        });
    });
    // Another piece of work that wants a turn of the event loop, again and again.
    let stop = false;
    const other = () => {
      otherTurns++;
      if (!stop) setImmediate(other);
    };
    setImmediate(other);
    await done;
    stop = true;
    assert.deepEqual(
      ran,
      Array.from({ length: 1000 }, (_, i) => i),
    );
    // 1000 operations, 32 a turn: the other work had a turn beside each batch of them.
    assert.ok(otherTurns >= 30, `the other work had ${otherTurns} turns`);
  });
});
