import type ivm from "isolated-vm";
import { PluginFailedError, PluginLimitError, PluginThrewError } from "../errors.js";
import type { PluginLimits } from "../plugins/manifest.js";
import { unwatchCall, type WatchedCall, watchCall } from "./call-watchdog.js";
import { GuestWrites } from "./guest-writes.js";
import {
  applyStoreWrites,
  GUEST_BOOTSTRAP,
  type GuestServices,
  handleGuestCall,
  MAX_OPS_PER_CALL,
  readMatches,
} from "./host-api.js";
import { OperationQueue } from "./operation-queue.js";

/** What a guest call gives the guest: the message and its arguments, as plain data. */
export interface GuestCall {
  token: string;
  args: readonly string[];
  /** What the function receives after the context: the command's arguments, a timer's data, a webhook's request. */
  positional: unknown[];
  /** Return the function's value as JSON (webhooks), instead of as a reply. */
  raw: boolean;
  options: Readonly<Record<string, string>>;
  text: string;
  match: string[];
  user: { id: string; name: string };
  room: string | null;
  thread: string | null;
  isDirect: boolean;
}

/** Whether a new sandbox starts on the bot's thread, and whom to tell when it moves off for good. */
export interface MainThreadPolicy {
  onMainThread: boolean;
  movedOff(): void;
}

/** A `@match` regular expression of an exported function, as written in its TSDoc. */
export interface MatchPattern {
  exportName: string;
  source: string;
  flags: string;
}

/** An exported function whose `@match` pattern matched a message: the whole match, then the groups. */
export interface PatternMatch {
  exportName: string;
  groups: string[];
}

/** A call in flight: what the watchdog checks, and what the sandbox counts for it. */
interface RunningCall extends WatchedCall {
  cpuStart: bigint;
  /** CPU its stretches of code took on the bot's thread. */
  mainThreadCpu: bigint;
  /** Host operations it asked for. */
  operations: number;
  wallDeadline: number;
  stop(err: PluginLimitError): void;
}

/** Log lines one call may write; a flood beyond is dropped (with one warning), not written line by line. */
const MAX_LOG_LINES_PER_CALL = 100;
/**
 * A plugin whose CPU limit is at most this runs on the bot's own thread (see `Sandbox`); one with a
 * longer limit could hold the bot up too long, and always runs on isolated-vm's threads.
 */
const MAIN_THREAD_MAX_TIMEOUT_MS = 2000;
/** A call that uses more CPU than this moves its plugin off the bot's thread for good. */
const MAIN_THREAD_CPU_NS = 10_000_000n;

/**
 * One plugin's isolate: its own heap with a memory limit, its code loaded once, and calls into its
 * exported functions under a CPU and a wall-clock limit. A sandbox that goes over a limit is disposed
 * (which also ends a loop hiding behind an `await`); the plugin manager starts a new one.
 *
 * Plugin code runs only inside calls the host makes, each under the CPU limit: a call into an exported
 * function, or the delivery of a host operation's answer (which runs the code after the plugin's
 * `await`; answers for a call that has ended are dropped by the guest). Handing work to isolated-vm's
 * threads costs about 80 µs per crossing on a small machine, more than a whole command takes, so a
 * plugin with a CPU limit of at most 2 s runs on the bot's own thread (`applySync`, about 5 µs). The
 * bot waits for each stretch, at most the CPU limit, and gets a turn between stretches (operations are
 * handled on the next turn of the event loop). The first call that uses more than 10 ms of CPU moves
 * the plugin to isolated-vm's threads for good (its later sandboxes too: see MainThreadPolicy), so a
 * slow or hostile plugin holds the bot up once, for at most its CPU limit.
 */
export class Sandbox {
  readonly exports: readonly string[];
  readonly #isolate: ivm.Isolate;
  readonly #call: ivm.Reference;
  readonly #match: ivm.Reference;
  readonly #deliver: ivm.Reference;
  readonly #takeWrites: ivm.Reference;
  readonly #patterns: readonly MatchPattern[];
  readonly #limits: PluginLimits;
  readonly #plugin: string;
  readonly #services: GuestServices;
  #disposedBecause: string | undefined;
  #onMainThread: boolean;
  readonly #writes: GuestWrites;
  readonly #movedOff: () => void;
  /** Calls not finished, by token: only while one runs may the guest write to the store. */
  readonly #calls = new Map<string, RunningCall>();
  readonly #operations = new OperationQueue();
  /** Log lines written per call token, while the call runs. */
  readonly #logLines = new Map<string, number>();

  private constructor(
    plugin: string,
    isolate: ivm.Isolate,
    guest: { call: ivm.Reference; match: ivm.Reference; deliver: ivm.Reference; takeWrites: ivm.Reference },
    exports: string[],
    patterns: readonly MatchPattern[],
    limits: PluginLimits,
    thread: MainThreadPolicy,
    services: GuestServices,
  ) {
    this.#plugin = plugin;
    this.#isolate = isolate;
    this.#call = guest.call;
    this.#match = guest.match;
    this.#deliver = guest.deliver;
    this.#takeWrites = guest.takeWrites;
    this.#services = services;
    this.#writes = new GuestWrites((json) => applyStoreWrites(services, json));
    this.#onMainThread = thread.onMainThread && limits.timeoutMs <= MAIN_THREAD_MAX_TIMEOUT_MS;
    this.#movedOff = thread.movedOff;
    this.exports = exports;
    this.#patterns = patterns;
    this.#limits = limits;
  }

  /**
   * Creates the isolate, runs the bootstrap (which compiles the `@match` patterns there and freezes the
   * config, every call's `ctx.config`), then the plugin's script (under the same limits).
   */
  static async create(
    plugin: string,
    { code, config }: { code: string; config: Readonly<Record<string, unknown>> },
    limits: PluginLimits,
    patterns: readonly MatchPattern[],
    thread: MainThreadPolicy,
    services: GuestServices,
  ): Promise<Sandbox> {
    // Loaded with the first plugin: a bot without plugins does not carry the native module.
    const { default: IVM } = await import("isolated-vm");
    const isolate = new IVM.Isolate({ memoryLimit: limits.memoryMb });
    try {
      const context = await isolate.createContext();
      let sandbox: Sandbox | undefined;
      let logsWhileLoading = 0;
      // The guest's operations arrive here (sent with applyIgnored: nothing waits); answers go back by id.
      const hostFn = new IVM.Reference((op: string, token: string, args: string, id: number) => {
        if (op !== "log") {
          // Only calls ask for more than logging (the guest refuses it while loading).
          sandbox?.receive(op, token, args, id);
          return;
        }
        // Answered by nobody, so written at once (a test, or an admin, reads the log right after).
        const allowed = sandbox ? sandbox.mayLog(token) : ++logsWhileLoading <= MAX_LOG_LINES_PER_CALL;
        if (allowed) void handleGuestCall(services, op, token, args);
      });
      const sources = patterns.map(({ source, flags }) => ({ source, flags }));
      // A Reference (not a copy) so the guest can call it; it stays inside the bootstrap closure.
      const storeLimits = { plugin, ...services.storeLimits };
      await context.evalClosure(GUEST_BOOTSTRAP, [
        hostFn,
        new IVM.ExternalCopy(sources).copyInto(),
        new IVM.ExternalCopy(storeLimits).copyInto(),
        new IVM.ExternalCopy(config).copyInto(),
      ]);
      // Taken before plugin code runs, so the plugin cannot swap them.
      const init = (await context.global.get("__errandInit", { reference: true })) as ivm.Reference;
      const call = (await context.global.get("__errandCall", { reference: true })) as ivm.Reference;
      const match = (await context.global.get("__errandMatch", { reference: true })) as ivm.Reference;
      const deliver = (await context.global.get("__errandDeliver", { reference: true })) as ivm.Reference;
      const takeWrites = (await context.global.get("__errandTakeWrites", {
        reference: true,
      })) as ivm.Reference;
      const script = await isolate.compileScript(code, { filename: `file:///plugins/${plugin}/bundle.js` });
      await script.run(context, { timeout: limits.timeoutMs });
      const exports = JSON.parse(
        (await init.apply(undefined, [], { timeout: limits.timeoutMs })) as string,
      ) as string[];
      sandbox = new Sandbox(
        plugin,
        isolate,
        { call, match, deliver, takeWrites },
        exports,
        patterns,
        limits,
        thread,
        services,
      );
      return sandbox;
    } catch (err) {
      const reason = limitReason(err, limits) ?? (err as Error).message;
      if (!isolate.isDisposed) isolate.dispose();
      throw new PluginFailedError(`Plugin ${plugin} failed while loading: ${reason}`, { cause: err });
    }
  }

  get isAlive(): boolean {
    return !this.#isolate.isDisposed;
  }

  /** Heap in use, in bytes (for `!plugin info`). */
  memoryUsed(): number {
    if (this.#isolate.isDisposed) return 0;
    const h = this.#isolate.getHeapStatisticsSync();
    return h.used_heap_size + h.externally_allocated_size;
  }

  /**
   * Calls an exported function. Resolves with what it returned (null, a string or lines); rejects with
   * PluginLimitError when a limit stopped it, PluginFailedError when its code threw.
   */
  async call(exportName: string, data: GuestCall): Promise<unknown> {
    if (this.#isolate.isDisposed) throw new PluginFailedError(`Plugin ${this.#plugin} is not running.`);
    let stopped!: (err: PluginLimitError) => void;
    const watchdog = new Promise<never>((_, reject) => {
      stopped = reject;
    });
    const watch: RunningCall = {
      check: (now) => this.#checkCall(watch, now),
      cpuStart: this.#isolate.cpuTime,
      mainThreadCpu: 0n,
      operations: 0,
      wallDeadline: Date.now() + this.#limits.wallTimeoutMs,
      stop: stopped,
    };
    watchCall(watch);
    this.#calls.set(data.token, watch);
    try {
      // Primitives cross as they are, the lists as JSON (see __errandCall); the guest answers with a
      // JSON string.
      const argsJson = JSON.stringify(data.args);
      const positionalJson = JSON.stringify(data.positional);
      const args = [
        exportName,
        data.token,
        data.text,
        data.user.id,
        data.user.name,
        data.room,
        data.thread,
        data.isDirect,
        data.raw,
        argsJson,
        positionalJson === argsJson ? "" : positionalJson,
        JSON.stringify(data.options),
        JSON.stringify(data.match),
      ];
      const options = { timeout: this.#limits.timeoutMs, result: { promise: true } } as const;
      const run = (
        this.#onMainThread
          ? this.#onThisThread(() => this.#call.applySync(undefined, args, options), watch)
          : this.#call.apply(undefined, args, options)
      ) as Promise<string>;
      const out = await Promise.race([run, watchdog]);
      const newline = out.indexOf("\n");
      // Written already, most often (see guest-writes.ts): then the reply waits for nothing more.
      const settling = this.#settleWrites(newline === -1 ? "" : out.slice(0, newline));
      if (settling) await settling;
      return JSON.parse(out.slice(newline + 1)) as unknown;
    } catch (err) {
      if (err instanceof PluginLimitError || err instanceof PluginFailedError) throw err;
      const reason = this.#disposedBecause ?? limitReason(err, this.#limits);
      if (reason) {
        this.dispose();
        throw new PluginLimitError(`Plugin ${this.#plugin} was stopped: ${reason}.`);
      }
      // What it wrote before it threw is kept, as it would be had each write gone to the host. (A
      // failure to take them stopped the sandbox; the plugin's own error is the one to report.)
      await this.takeWrites().catch(() => undefined);
      throw new PluginThrewError(`${this.#plugin}: ${(err as Error).message ?? String(err)}`, {
        cause: err,
      });
    } finally {
      this.#calls.delete(data.token);
      this.#logLines.delete(data.token);
      // console.* logs under "load": its budget starts again with each call.
      this.#logLines.delete("load");
      unwatchCall(watch);
    }
  }

  /**
   * An operation the guest asks for, handled on a later turn of the event loop, a few at a time:
   * isolated-vm runs the tasks it queued back to back, so answering at once would let a plugin chain
   * (or flood) operations without the bot, or the watchdog, getting a turn. Nothing is done for a call
   * that has ended (nothing would run for the answer), nor beyond MAX_OPS_PER_CALL (the guest refuses
   * those itself; this is the host's word).
   */
  receive(op: string, token: string, args: string, id: number): void {
    const call = this.#calls.get(token);
    if (!call || ++call.operations > MAX_OPS_PER_CALL) return;
    this.#operations.push(() => {
      if (!this.#calls.has(token)) return;
      // The plugin's store writes so far reach the store before anything it asks is done.
      this.takeWrites()
        .then(() => handleGuestCall(this.#services, op, token, args))
        .then(
          (out) => this.#answer(token, id, false, out),
          (err: Error) => this.#answer(token, id, true, err?.message ?? String(err)),
        );
    });
  }

  /** May the call `token` (or console.*, "load") write one more log line? Says once when it may not. */
  mayLog(token: string): boolean {
    if (token !== "load" && !this.#calls.has(token)) return false;
    const lines = (this.#logLines.get(token) ?? 0) + 1;
    this.#logLines.set(token, lines);
    if (lines === MAX_LOG_LINES_PER_CALL + 1)
      this.#services.log(
        "warn",
        `Plugin ${this.#plugin} logged more than ${MAX_LOG_LINES_PER_CALL} lines in one call; the rest are dropped.`,
      );
    return lines <= MAX_LOG_LINES_PER_CALL;
  }

  /**
   * Answers the guest's operation `id` (`__errandDeliver`), running the plugin code that waited for
   * it, under the CPU limit. Over the limit, the sandbox is stopped and its calls with it.
   */
  #answer(token: string, id: number, failed: boolean, out: string | undefined): void {
    // A call that has ended gets no answers: no plugin code runs for it, and none uncounted.
    if (this.#isolate.isDisposed || !this.#calls.has(token)) return;
    const args = [id, failed, out];
    const options = { timeout: this.#limits.timeoutMs };
    try {
      if (this.#onMainThread)
        this.#onThisThread(() => this.#deliver.applySync(undefined, args, options), this.#calls.get(token));
      else this.#deliver.apply(undefined, args, options).catch((err: unknown) => this.#deliveryFailed(err));
    } catch (err) {
      this.#deliveryFailed(err);
    }
  }

  /**
   * Takes the store writes the guest made so far and resolves once they, and all it handed over
   * before, are written through the plugin's store (see guest-writes.ts).
   */
  takeWrites(): Promise<void> {
    if (this.#isolate.isDisposed) return Promise.resolve();
    const options = { timeout: this.#limits.timeoutMs };
    let report: unknown;
    try {
      if (!this.#onMainThread)
        return this.#takeWrites.apply(undefined, [], options).then(
          (r) => this.#settleWrites(r, this.#calls.size > 0),
          (err: unknown) => Promise.reject(this.#takingFailed(err)),
        );
      report = this.#onThisThread(() => this.#takeWrites.applySync(undefined, [], options));
    } catch (err) {
      return Promise.reject(this.#takingFailed(err));
    }
    // Writes while none of its calls runs can only come from a plugin that tampered with its realm.
    return this.#settleWrites(report, this.#calls.size > 0) ?? Promise.resolve();
  }

  /** A taking that failed may have lost a numbered batch, and every later one would wait for it. */
  #takingFailed(err: unknown): PluginFailedError {
    // Stopped meanwhile (reload, shutdown, a limit): not the plugin's doing.
    return this.#isolate.isDisposed
      ? new PluginFailedError(`Plugin ${this.#plugin} is not running.`, { cause: err })
      : this.#stopOverWrites("its store writes could not be taken", err);
  }

  /**
   * Waits for the writes a report covers (undefined: written already). Writes the store refuses (only a
   * plugin that tampered with its own realm can make them) stop the sandbox, so its next start knows the
   * store as it is.
   */
  #settleWrites(report: unknown, mayWrite = true): Promise<void> | undefined {
    return this.#writes.settle(report, mayWrite)?.catch((err: Error) => {
      if (err instanceof PluginFailedError) throw err;
      throw this.#stopOverWrites(`its store writes were refused (${err.message})`, err);
    });
  }

  /** Stops the sandbox over its store writes: every call in flight fails with the reason, counted as a failure. */
  #stopOverWrites(reason: string, cause: unknown): PluginFailedError {
    return new PluginFailedError(this.#stop(reason).message, { cause });
  }

  /**
   * Runs plugin code on the bot's thread, counting its CPU to `call` (the call it runs for). A call
   * whose code took more than 10 ms there, in one stretch or many, sends the plugin to isolated-vm's
   * threads. (A call that only waits long, meanwhile others run, is not counted against.)
   */
  #onThisThread<T>(run: () => T, call?: RunningCall): T {
    const cpuBefore = this.#isolate.cpuTime;
    try {
      return run();
    } finally {
      if (!this.#isolate.isDisposed) {
        const took = this.#isolate.cpuTime - cpuBefore;
        if (call) call.mainThreadCpu += took;
        if (took > MAIN_THREAD_CPU_NS || (call && call.mainThreadCpu > MAIN_THREAD_CPU_NS)) {
          this.#onMainThread = false;
          this.#movedOff();
          this.#services.log(
            "warn",
            `Plugin ${this.#plugin} ran more than ${MAIN_THREAD_CPU_NS / 1_000_000n} ms for one call; it runs on its own thread from now on.`,
          );
        }
      }
    }
  }

  /** A delivery went over a limit: the isolate is stopped, and every call waiting in it fails with the reason. */
  #deliveryFailed(err: unknown): void {
    // Stopped already (by the watchdog, say, which counts the whole call and can beat this delivery's
    // own timeout): the delivery failed because the isolate was gone, and the stop was reported.
    const stoppedBefore = this.#disposedBecause !== undefined;
    const reason = this.#disposedBecause ?? limitReason(err, this.#limits);
    if (!reason) return;
    const stopped = this.#stop(reason);
    // With no command waiting, nobody else would hear of it.
    if (!stoppedBefore && this.#calls.size === 0)
      this.#services.log("error", `${stopped.message} (while none of its calls ran)`);
  }

  /** The watchdog's check of one call: over its CPU or wall-clock limit, the isolate is stopped. */
  #checkCall(call: RunningCall, now: number): void {
    if (this.#isolate.isDisposed) return;
    const cpuMs = Number(this.#isolate.cpuTime - call.cpuStart) / 1e6;
    if (cpuMs > this.#limits.timeoutMs) this.#stop(`it used more than ${this.#limits.timeoutMs} ms of CPU`);
    else if (now > call.wallDeadline) this.#stop(`it did not finish within ${this.#limits.wallTimeoutMs} ms`);
  }

  /**
   * Which `@match` patterns match the text, tested in the isolate under the plugin's CPU limit (the
   * isolate's own thread, so the bot keeps serving meanwhile). Rejects with PluginLimitError, the
   * isolate disposed, when the test went over a limit.
   */
  async match(text: string): Promise<PatternMatch[]> {
    if (this.#patterns.length === 0) return [];
    if (this.#isolate.isDisposed) throw new PluginFailedError(`Plugin ${this.#plugin} is not running.`);
    try {
      const out = await this.#match.apply(undefined, [text], {
        timeout: this.#limits.timeoutMs,
        arguments: { copy: true },
        result: { copy: true },
      });
      return readMatches(out, this.#patterns.length).flatMap((groups, i) =>
        groups === null ? [] : [{ exportName: (this.#patterns[i] as MatchPattern).exportName, groups }],
      );
    } catch (err) {
      // Only this test's own limit counts: an isolate stopped meanwhile for a command is not its failure.
      const reason = limitReason(err, this.#limits);
      if (reason) {
        this.dispose();
        throw new PluginLimitError(
          `Plugin ${this.#plugin} was stopped: ${reason}, testing a message against its @match patterns.`,
        );
      }
      throw new PluginFailedError(`${this.#plugin}: ${(err as Error).message ?? String(err)}`, {
        cause: err,
      });
    }
  }

  dispose(): void {
    if (!this.#isolate.isDisposed) this.#isolate.dispose();
    this.#writes.fail(new PluginFailedError(`Plugin ${this.#plugin} is not running.`));
  }

  /** Stops the sandbox over a limit: every call in flight fails with the reason. */
  #stop(reason: string): PluginLimitError {
    this.#disposedBecause = reason;
    this.dispose();
    const stopped = new PluginLimitError(`Plugin ${this.#plugin} was stopped: ${reason}.`);
    for (const call of this.#calls.values()) call.stop(stopped);
    return stopped;
  }
}

/** Recognizes isolated-vm's own limit errors. */
function limitReason(err: unknown, limits: PluginLimits): string | undefined {
  const message = (err as Error)?.message ?? "";
  if (/memory limit/i.test(message)) return `it used more than its ${limits.memoryMb} MB of memory`;
  if (/execution timed out/i.test(message)) return `it used more than ${limits.timeoutMs} ms of CPU`;
  return undefined;
}
