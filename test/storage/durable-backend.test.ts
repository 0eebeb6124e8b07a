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
    );
    await durable.reply(message, "hi");
    await durable.send("#ops", "news");
    assert.deepEqual(order, ["durable", "reply hi", "durable", "send #ops news"]);
  });
});
