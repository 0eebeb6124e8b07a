import type { Backend, IncomingMessage } from "../backends/backend.js";

/**
 * Wraps the chat backend so that nothing is said before the records of what caused it (history, audit,
 * plugin store writes) are durable: `durable()` writes them to the write-ahead log first, so an
 * answered command is never lost to a crash. (One synchronous write, no waiting for LevelDB.)
 */
export class DurableBackend implements Backend {
  readonly #inner: Backend;
  readonly #durable: () => void;
  readonly #onError: (err: unknown) => void;

  constructor(inner: Backend, durable: () => void, onError: (err: unknown) => void) {
    this.#inner = inner;
    this.#durable = durable;
    this.#onError = onError;
  }

  get name(): string {
    return this.#inner.name;
  }

  get httpRoutes(): Backend["httpRoutes"] {
    return this.#inner.httpRoutes;
  }

  run(onMessage: (message: IncomingMessage) => Promise<void>): Promise<void> {
    return this.#inner.run(onMessage);
  }

  reply(to: IncomingMessage, text: string): Promise<void> {
    this.#makeDurable();
    return this.#inner.reply(to, text);
  }

  send(target: string, text: string): Promise<void> {
    this.#makeDurable();
    return this.#inner.send(target, text);
  }

  stop(): Promise<void> {
    return this.#inner.stop();
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
