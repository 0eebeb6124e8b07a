import type { GuestCall } from "../../src/sandbox/sandbox.js";

/** A call as the plugin manager would make it for `!cmd` typed by ada in a direct message; `over` changes fields. */
export function guestCall(over: Partial<GuestCall> = {}): GuestCall {
  return {
    token: "t1",
    args: [],
    positional: [],
    raw: false,
    options: {},
    text: "",
    match: [],
    user: { id: "console:ada", name: "ada" },
    room: null,
    thread: null,
    isDirect: true,
    ...over,
  };
}
