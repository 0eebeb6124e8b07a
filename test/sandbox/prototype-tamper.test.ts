import assert from "node:assert/strict";
import type { StoreWrite } from "../../src/plugins/plugin-store.js";
import type { GuestServices } from "../../src/sandbox/host-api.js";
import { Sandbox } from "../../src/sandbox/sandbox.js";
import { guestCall } from "../helpers/guest-call.js";

// A plugin that tampers with its own realm's prototypes must not get a context to outlive its call.
function services(logs: string[], data: Map<string, string>) {
  return {
    plugin: "t",
    reply: async () => undefined,
    send: async () => undefined,
    store: {
      peek: async (key: string) => ({ json: data.get(key) ?? null, size: 0, used: 0 }),
      apply: (writes: readonly StoreWrite[]) => {
        for (const w of writes as unknown as { op?: string; key: string; json?: string }[]) {
          logs.push(`write ${JSON.stringify(w)}`);
        }
        return undefined;
      },
      list: async () => [],
    },
    storeLimits: { quotaBytes: 100000, maxValueBytes: 10000, maxKeyLength: 100 },
    http: async () => ({}),
    schedule: { after: async () => "", every: async () => "", cancel: async () => false },
    log: (_level: string, message: string) => logs.push(message),
    isLiveToken: () => true,
  } as unknown as GuestServices;
}

const call = (token: string) => guestCall({ token });

async function make(code: string, logs: string[]) {
  return Sandbox.create(
    "t",
    { code, config: {} },
    { memoryMb: 64, timeoutMs: 1000, wallTimeoutMs: 5000 },
    [],
    { onMainThread: true, movedOff: () => undefined },
    services(logs, new Map()),
  );
}

describe("guest bootstrap against prototype tampering", () => {
  it("accessors on Object.prototype for live/ops/storeOps/token are never reached", async () => {
    const code = `
      const hits = [];
      for (const k of ["live", "ops", "storeOps", "token"]) {
        Object.defineProperty(Object.prototype, k, {
          get() { hits.push("get " + k); return true; },
          set(v) { hits.push("set " + k); },
          configurable: true,
        });
      }
      let kept;
      globalThis.__errandPlugin = {
        async first(ctx) {
          kept = ctx;
          await ctx.store.get("a");   // a host op (ops) and a store op (storeOps)
          await ctx.store.set("a", 1);
          ctx.store.get("b");         // left running: the call waits for it
          await ctx.reply("x");
          return "ok";
        },
        async second(ctx) {
          let stale;
          try { await kept.store.set("a", 2); stale = "stale ctx wrote"; } catch (e) { stale = e.message; }
          return JSON.stringify({ hits, stale });
        },
      };`;
    const logs: string[] = [];
    const sandbox = await make(code, logs);
    try {
      assert.equal(await sandbox.call("first", call("t1")), "ok");
      const out = JSON.parse((await sandbox.call("second", call("t2"))) as string);
      assert.deepEqual(out.hits, []);
      assert.match(out.stale, /has finished/);
    } finally {
      sandbox.dispose();
    }
  });

  it("a call whose end is made to throw still ends: its context cannot use the store later", async () => {
    // Promise.prototype.then, applied by the bootstrap to a store operation left running, reads the
    // promise's constructor (SpeciesConstructor): a getter that throws there cuts the finally short.
    const code = `
      let kept;
      let trap = false;
      const C = Promise;
      Object.defineProperty(Promise.prototype, "constructor", {
        get() { if (trap) { trap = false; throw new Error("trapped"); } return C; },
        configurable: true,
      });
      globalThis.__errandPlugin = {
        async first(ctx) {
          kept = ctx;
          await ctx.store.set("k", 1);     // "k" known from now on: a later set needs no host
          ctx.store.get("unknown");        // a store operation left running
          trap = true;
          return "ok";
        },
        async second(ctx) {
          try { await kept.store.set("k", 2); return "stale ctx wrote"; } catch (e) { return e.message; }
        },
      };`;
    const logs: string[] = [];
    const sandbox = await make(code, logs);
    try {
      await sandbox.call("first", call("t1")).catch((e: Error) => logs.push(`first: ${e.message}`));
      const out = await sandbox.call("second", call("t2"));
      assert.match(String(out), /has finished/, `${String(out)}; ${logs.join(" | ")}`);
    } finally {
      sandbox.dispose();
    }
  });
});
