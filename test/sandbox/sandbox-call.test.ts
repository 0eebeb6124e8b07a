import assert from "node:assert/strict";
import type { GuestServices } from "../../src/sandbox/host-api.js";
import { Sandbox } from "../../src/sandbox/sandbox.js";
import { guestCall } from "../helpers/guest-call.js";

describe("Sandbox.call (what a plugin's function receives)", () => {
  it("the config, frozen once per sandbox, cannot be changed by one call for the next (nested values too)", async () => {
    const code = `globalThis.__errandPlugin = {
      poke(ctx) {
        try { ctx.config.nested.list.push("hacked"); } catch {}
        try { ctx.config.nested.x = "hacked"; } catch {}
        try { Object.defineProperty(ctx.config.nested, "y", { value: "hacked" }); } catch {}
        return JSON.stringify(ctx.config);
      },
      echo(ctx, ...positional) {
        return JSON.stringify({ args: ctx.args, positional, options: ctx.options, match: ctx.match, user: ctx.user,
          room: ctx.room, thread: ctx.thread, isDirect: ctx.isDirect, text: ctx.text,
          frozen: [ctx.args, ctx.options, ctx.match, ctx.user].every(Object.isFrozen) });
      },
    };`;
    const services = {
      storeLimits: { quotaBytes: 1, maxValueBytes: 1, maxKeyLength: 1 },
    } as unknown as GuestServices;
    const sandbox = await Sandbox.create(
      "t",
      { code, config: { nested: { list: ["a"], x: 1 } } },
      { memoryMb: 64, timeoutMs: 1000, wallTimeoutMs: 5000 },
      [],
      { onMainThread: true, movedOff: () => undefined },
      services,
    );
    try {
      const call = guestCall;
      const first = await sandbox.call("poke", call({}));
      const second = await sandbox.call("poke", call({ token: "t2" }));
      assert.equal(first, '{"nested":{"list":["a"],"x":1}}');
      assert.equal(second, first);
      const echoed = JSON.parse(
        (await sandbox.call(
          "echo",
          call({
            token: "t3",
            args: ["a", "k=v"],
            positional: ["a"],
            options: { k: "v" },
            match: ["m"],
            room: "#ops",
            thread: "th",
            isDirect: false,
            text: "echo a k=v",
          }),
        )) as string,
      );
      assert.deepEqual(echoed, {
        args: ["a", "k=v"],
        positional: ["a"],
        options: { k: "v" },
        match: ["m"],
        user: { id: "console:ada", name: "ada" },
        room: "#ops",
        thread: "th",
        isDirect: false,
        text: "echo a k=v",
        frozen: true,
      });
      const same = JSON.parse(
        (await sandbox.call(
          "echo",
          call({ token: "t4", args: ["a", "b"], positional: ["a", "b"] }),
        )) as string,
      );
      assert.deepEqual(
        [same.args, same.positional],
        [
          ["a", "b"],
          ["a", "b"],
        ],
      );
    } finally {
      sandbox.dispose();
    }
  });
});
