/**
 * The guest's side of `ctx.store`, part of the guest bootstrap (see host-api.ts): the plugin's own store
 * as far as its isolate knows it, so a command that reads and writes keys it has seen before runs
 * without waiting for the host once.
 *
 * - Reads of a known key, and writes, are answered in the isolate. A key not known yet is asked of the
 *   host once (`store.get`), with its size; the first answer also says how many bytes the store uses.
 * - Writes are checked here exactly as the host checks them (key, value size, quota), so the plugin hears
 *   of a refusal at once, then queued in order. The queue goes to the host as numbered batches
 *   (`takeWrites`): with every call's result, and when the host takes it (`__errandTakeWrites`) before
 *   it answers any operation of the plugin. The host writes the batches through the plugin's store in
 *   number order (guest-writes.ts), checking everything again: this isolate is plugin code and is
 *   trusted for nothing. A command's writes are durable before its answer is sent, as when each write
 *   went to the host.
 * - This isolate is the only writer of the plugin's store while it runs, so what it knows stays true;
 *   it forgets everything when it knows too much, and asks again.
 *
 * Uses from the bootstrap: `host`, `finished`, `pluginError`, `create`, `freeze`, `parse`, `stringify`,
 * `toText`, `GuestPromise`, and `$2` (`{ plugin, quotaBytes, maxValueBytes, maxKeyLength }`); a call's
 * state (`call.live`, and `call.storeOps`, its store operations: the call ends once they settled).
 * Gives it: `store(call)` and `takeWrites`.
 */
/** Bytes as the host's Buffer.byteLength counts them, in guest code: a lone surrogate is 3 (its replacement). */
export const GUEST_UTF8_LENGTH = `(s) => {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else {
      n += 2;
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
        const d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) i++;
      }
    }
  }
  return n;
}`;

export const GUEST_STORE = `
const storeLimits = $2;
const KNOWN_KEYS = 1000;
const KNOWN_CHARS = 4 * 1024 * 1024;
let known = create(null);
let knownKeys = 0;
let knownChars = 0;
// Bytes the store uses; -1 until the host's first answer says.
let used = -1;
let writes = [];
const fetching = create(null);
// A call's store operations that wait for the host: the call ends only once they are settled.
const track = (call, promise) => {
  const ops = call.storeOps;
  if (ops === undefined) call.storeOps = [promise];
  else ops[ops.length] = promise;
  return promise;
};
const checkKey = (key) => {
  if (key.length === 0 || key.length > storeLimits.maxKeyLength || key.indexOf("\\u0000") !== -1)
    throw pluginError("store keys are 1 to " + storeLimits.maxKeyLength + " characters.");
};
const utf8Length = ${GUEST_UTF8_LENGTH};
const remember = (key, json, size) => {
  const old = known[key];
  if (old === undefined) knownKeys++;
  else if (old.json !== null) knownChars -= old.json.length;
  const entry = { json, size };
  known[key] = entry;
  if (json !== null) knownChars += json.length;
  if (knownKeys > KNOWN_KEYS || knownChars > KNOWN_CHARS) {
    // Forgetting is always safe: the host has every write it did not take yet before it answers again.
    known = create(null);
    knownKeys = 0;
    knownChars = 0;
  }
  return entry;
};
// Asks the host for a key not known here (one question per key at a time).
const fetchEntry = (call, key) => {
  let asked = fetching[key];
  if (asked === undefined) {
    asked = host("store.get", call, { key }).then(
      (out) => {
        delete fetching[key];
        if (used < 0) used = out.used;
        return known[key] || remember(key, out.json, out.size);
      },
      (err) => {
        delete fetching[key];
        throw err;
      },
    );
    fetching[key] = asked;
  }
  return asked;
};
const valueOf = (entry) => (entry.json === null ? null : parse(entry.json));
const write = (call, key, json, size) => (entry) => {
  if (call.live !== true) throw finished();
  // As on the host: a delete is never refused, even in a store over a quota lowered since.
  if (json !== null && used - entry.size + size > storeLimits.quotaBytes)
    throw new Error(
      "Plugin " + storeLimits.plugin + " is out of store space (quota " + storeLimits.quotaBytes + " bytes); delete keys it no longer needs.",
    );
  used += size - entry.size;
  const w = json === null ? ["d", key] : ["s", key, json];
  // Writes to one key in a row keep only the last: the host passes through the same states otherwise
  // (only the key's own in-between values are skipped), so its quota check agrees with this one.
  const last = writes.length - 1;
  if (last >= 0 && writes[last][1] === key) writes[last] = w;
  else writes[writes.length] = w;
  remember(key, json, size);
};
// Runs fn, turning a throw into a rejection: the store's methods always answer with a promise.
const settle = (fn) => {
  try {
    return GuestPromise.resolve(fn());
  } catch (err) {
    return GuestPromise.reject(err);
  }
};
const store = (call) =>
  freeze({
    get: (key) =>
      settle(() => {
        if (call.live !== true) throw finished();
        const k = toText(key);
        const entry = known[k];
        // Once fetched, what a write made meanwhile stored wins over what the host said.
        return entry !== undefined ? valueOf(entry) : track(call, fetchEntry(call, k)).then((e) => valueOf(known[k] || e));
      }),
    set: (key, value) =>
      settle(() => {
        if (call.live !== true) throw finished();
        const k = toText(key);
        checkKey(k);
        const json = value === undefined ? undefined : stringify(value);
        if (json === undefined) throw new Error('store.set("' + k + '"): the value is undefined; use store.delete.');
        const size = utf8Length(json) + k.length;
        if (size > storeLimits.maxValueBytes)
          throw pluginError('the value for "' + k + '" is ' + size + " bytes; one value may hold " + storeLimits.maxValueBytes + ".");
        const entry = known[k];
        const put = write(call, k, json, size);
        return entry !== undefined ? put(entry) : track(call, fetchEntry(call, k).then(put));
      }),
    delete: (key) =>
      settle(() => {
        if (call.live !== true) throw finished();
        const k = toText(key);
        checkKey(k);
        const entry = known[k];
        const remove = write(call, k, null, 0);
        return entry !== undefined ? remove(entry) : track(call, fetchEntry(call, k).then(remove));
      }),
    list: (prefix) =>
      settle(() => {
        if (call.live !== true) throw finished();
        return host("store.list", call, { prefix: prefix === undefined ? "" : toText(prefix) });
      }),
  });
// Hands the writes not taken yet to the host as the next numbered batch: "N [w, …]", each w being
// ["s", key, value] or ["d", key], oldest first; just "N" (the last batch handed over) when there are none.
let batches = 0;
const takeWrites = () => {
  if (writes.length === 0) return "" + batches;
  let out = "";
  for (let i = 0; i < writes.length; i++) {
    const w = writes[i];
    out += (i === 0 ? "[" : ",") + (w[0] === "d" ? '["d",' + stringify(w[1]) + "]" : '["s",' + stringify(w[1]) + "," + w[2] + "]");
  }
  writes = [];
  batches++;
  return batches + " " + out + "]";
};
globalThis.__errandTakeWrites = takeWrites;
`;
