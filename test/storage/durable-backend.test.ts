import assert from "node:assert/strict";
import { TestBackend } from "../../src/backends/test-backend.js";
import { DurableBackend } from "../../src/storage/durable-backend.js";

describe("DurableBackend", () => {
  const message = {
    text: "!echo hi",
    sender: { id: "console:amy", name: "amy", isBot: false },
    room: "#ops",
    thread: null,
    isDirect: false,
    addressed: false,
  };

  it("makes the records durable before each reply and post", async () => {
    const chat = new TestBackend();
    const order: string[] = [];
    const durable = new DurableBackend(
      {
        ...chat,
        name: chat.name,
        run: (m) => chat.run(m),
        stop: () => chat.stop(),
        reply: async (_to, text) => void order.push(`reply ${text}`),
        send: async (target, text) => void order.push(`send ${target} ${text}`),
      },
      () => order.push("durable"),
      () => assert.fail("no error expected"),
    );
    await durable.reply(message, "hi");
    await durable.send("#ops", "news");
    assert.deepEqual(order, ["durable", "reply hi", "durable", "send #ops news"]);
  });

  it("still answers when the journal cannot be written (a full disk), and reports it", async () => {
    const chat = new TestBackend();
    const errors: unknown[] = [];
    const durable = new DurableBackend(
      chat,
      () => {
        throw Object.assign(new Error("no space left on device"), { code: "ENOSPC" });
      },
      (err) => errors.push(err),
    );
    await durable.reply(message, "hi");
    assert.deepEqual(chat.transcript, [{ target: "#ops", text: "hi" }]);
    assert.match(String(errors[0]), /no space left/);
  });
});
