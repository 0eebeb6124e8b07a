import assert from "node:assert/strict";
import { PassThrough, Writable } from "node:stream";
import { ConsoleBackend } from "../../src/backends/console.js";

/** A pipe's far end that keeps each write apart, noting how many records were durable by then. */
function recordingOutput(durable: () => number) {
  const writes: { lines: string[]; durableBefore: number }[] = [];
  const output = new Writable({
    write(chunk: Buffer, _encoding, done) {
      writes.push({ lines: chunk.toString("utf8").split("\n").slice(0, -1), durableBefore: durable() });
      done();
    },
  });
  return { output, writes };
}

describe("the console backend on a pipe", () => {
  it("writes a long script's replies in order, at most 128 at a time, each batch after its records are durable", async () => {
    let handled = 0;
    let durable = 0;
    const { output, writes } = recordingOutput(() => durable);
    const input = new PassThrough();
    const chat = new ConsoleBackend({ input, output, interactive: false, botName: "errand" });
    chat.deferOutput(() => {
      durable = handled;
    });
    // One read holds all 1,000 lines: they are handled back to back.
    input.end(Array.from({ length: 1000 }, (_, i) => `line ${i}\n`).join(""));
    await chat.run(async (message) => {
      handled++;
      await chat.reply(message, `got ${message.text}`);
    });

    assert.deepEqual(
      writes.flatMap((w) => w.lines),
      Array.from({ length: 1000 }, (_, i) => `got line ${i}`),
    );
    assert.ok(writes.length >= 1000 / 128, `${writes.length} writes`);
    let written = 0;
    for (const w of writes) {
      assert.ok(w.lines.length <= 128, `a write of ${w.lines.length} replies`);
      written += w.lines.length;
      assert.ok(w.durableBefore >= written, "no reply leaves before the records of its message are durable");
    }
  });

  it("writes the replies to a short script together", async () => {
    const { output, writes } = recordingOutput(() => 0);
    const input = new PassThrough();
    const chat = new ConsoleBackend({ input, output, interactive: false, botName: "errand" });
    input.end("one\ntwo\nthree\n");
    await chat.run((message) => chat.reply(message, message.text));
    assert.deepEqual(writes, [{ lines: ["one", "two", "three"], durableBefore: 0 }]);
  });
});
