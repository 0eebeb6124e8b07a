import type { Backend, IncomingMessage } from "../backends/backend.js";
import { ForwardingBackend } from "../backends/forwarding-backend.js";

/**
 * Wraps the chat backend so that nothing is said before the records of what caused it (history, audit,
 * plugin store writes) are durable: `durable()` writes them to the write-ahead log first, so an
 * answered command is never lost to a crash. (One synchronous write, no waiting for LevelDB.)
 */
export class DurableBackend extends ForwardingBackend {
  /** Does not throw: a full disk is the journal's to report (see Journal.durable). */
  readonly #durable: () => void;

  /** The inner backend calls durable() itself right before it writes anything out (the console on a pipe). */
  readonly #innerMakesDurable: boolean;

  constructor(inner: Backend, durable: () => void) {
    super(inner);
    this.#durable = durable;
    inner.deferOutput?.(durable);
    this.#innerMakesDurable = inner.deferOutput !== undefined;
  }

  override reply(to: IncomingMessage, text: string): Promise<void> {
    if (!this.#innerMakesDurable) this.#durable();
    return this.inner.reply(to, text);
  }

  override send(target: string, text: string): Promise<void> {
    if (!this.#innerMakesDurable) this.#durable();
    return this.inner.send(target, text);
  }
}
