import type { Backend, IncomingMessage } from "../backends/backend.js";
import { ForwardingBackend } from "../backends/forwarding-backend.js";

/**
 * Wraps the chat backend so that nothing is said before the records of what caused it (history, audit,
 * plugin store writes) are durable: `durable()` writes them to the write-ahead log first, so an
 * answered command is never lost to a crash. (One synchronous write, no waiting for LevelDB.)
 */
export class DurableBackend extends ForwardingBackend {
  readonly #durable: () => void;
  readonly #onError: (err: unknown) => void;

  /** The inner backend calls durable() itself right before it writes anything out (the console on a pipe). */
  readonly #innerMakesDurable: boolean;

  constructor(inner: Backend, durable: () => void, onError: (err: unknown) => void) {
    super(inner);
    this.#durable = durable;
    this.#onError = onError;
    inner.deferOutput?.(() => this.#makeDurable());
    this.#innerMakesDurable = inner.deferOutput !== undefined;
  }

  override reply(to: IncomingMessage, text: string): Promise<void> {
    if (!this.#innerMakesDurable) this.#makeDurable();
    return this.inner.reply(to, text);
  }

  override send(target: string, text: string): Promise<void> {
    if (!this.#innerMakesDurable) this.#makeDurable();
    return this.inner.send(target, text);
  }

  /** A full disk must not silence the bot: the failure is logged loudly and the answer still goes out. */
  #makeDurable(): void {
    try {
      this.#durable();
    } catch (err) {
      this.#onError(err);
    }
  }
}
