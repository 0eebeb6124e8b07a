import assert from "node:assert/strict";
import { GuestWrites } from "../../src/sandbox/guest-writes.js";

/** A store that writes at once, or, while `slow` is set, when the test says so. */
function fakeStore() {
  const written: string[] = [];
  const later: (() => void)[] = [];
  const store = {
    written,
    slow: false,
    refuse: "",
    finishLater(): void {
      for (const done of later.splice(0)) done();
    },
    write(json: string): Promise<void> | undefined {
      if (store.refuse && json.includes(store.refuse)) throw new Error(`refused ${store.refuse}`);
      if (!store.slow) {
        written.push(json);
        return undefined;
      }
      return new Promise((resolve) =>
        later.push(() => {
          written.push(json);
          resolve();
        }),
      );
    },
  };
  return store;
}

describe("GuestWrites (a sandbox's store writes on their way to the store)", () => {
  it("writes a batch at once when nothing waits before it, and says so with undefined", () => {
    const store = fakeStore();
    const writes = new GuestWrites((json) => store.write(json));
    assert.equal(writes.settle('1 [["s","a",1]]'), undefined);
    assert.deepEqual(store.written, ['[["s","a",1]]']);
    assert.equal(writes.settle("1"), undefined, "nothing new: written already");
  });

  it("keeps number order: a batch behind one still being written waits for it", async () => {
    const store = fakeStore();
    const writes = new GuestWrites((json) => store.write(json));
    store.slow = true;
    const first = writes.settle('1 [["s","a",1]]');
    assert.ok(first instanceof Promise);
    store.slow = false;
    const second = writes.settle('2 [["s","a",2]]');
    assert.ok(second instanceof Promise, "not written ahead of batch 1");
    assert.deepEqual(store.written, []);
    store.finishLater();
    await second;
    await first;
    assert.deepEqual(store.written, ['[["s","a",1]]', '[["s","a",2]]']);
  });

  it("holds a batch that came early until the one before it arrives", async () => {
    const store = fakeStore();
    const writes = new GuestWrites((json) => store.write(json));
    const second = writes.settle('2 [["s","b",2]]');
    assert.ok(second instanceof Promise);
    assert.deepEqual(store.written, []);
    assert.equal(writes.settle('1 [["s","a",1]]'), undefined);
    await second;
    assert.deepEqual(store.written, ['[["s","a",1]]', '[["s","b",2]]']);
  });

  it("fails the report whose batch the store refuses, and every later one, writing nothing after it", async () => {
    const store = fakeStore();
    const writes = new GuestWrites((json) => store.write(json));
    store.refuse = "bad";
    await assert.rejects(Promise.resolve(writes.settle('1 [["s","bad",1]]')), /refused bad/);
    await assert.rejects(Promise.resolve(writes.settle('2 [["s","ok",1]]')), /refused bad/);
    assert.deepEqual(store.written, []);
  });

  it("refuses reports that are not numbered batches, or a number seen twice", async () => {
    const store = fakeStore();
    const twice = new GuestWrites((json) => store.write(json));
    assert.equal(twice.settle('1 [["s","a",1]]'), undefined);
    await assert.rejects(Promise.resolve(twice.settle('1 [["s","a",9]]')), /numbered 1 came twice/);
    const unnumbered = new GuestWrites((json) => store.write(json));
    await assert.rejects(Promise.resolve(unnumbered.settle("x [[]]")), /without their number/);
    assert.deepEqual(store.written, ['[["s","a",1]]']);
  });

  it("a batch refused later (a rejection) fails the waiters behind it and writes nothing after it", async () => {
    const written: string[] = [];
    let refuse: (err: Error) => void = () => undefined;
    let n = 0;
    const writes = new GuestWrites((json) => {
      if (n++ === 0) return new Promise((_, reject) => (refuse = reject));
      written.push(json);
      return undefined;
    });
    const one = writes.settle('1 [["s","a",1]]') as Promise<void>;
    const two = writes.settle('2 [["s","b",1]]') as Promise<void>;
    const three = writes.settle("2") as Promise<void>;
    for (const p of [one, two, three]) p.catch(() => undefined);
    refuse(new Error("no"));
    await assert.rejects(one, /no/);
    await assert.rejects(two, /no/);
    await assert.rejects(three, /no/);
    await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(written, []);
  });
});
