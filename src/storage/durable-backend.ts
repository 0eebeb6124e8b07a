import type { Backend, IncomingMessage } from "../backends/backend.js";

/**
 * Wraps the chat backend so that nothing is said before the records of what caused it (history, audit,
 * plugin store writes) are on disk: an answered command is never lost to a crash. The console holds its
 * output and reads on (so writes group); other backends are called once the write is done.
 */
export class DurableBackend implements Backend {
  readonly #inner: Backend;
  readonly #committed: () => Promise<void>;

  constructor(inner: Backend, committed: () => Promise<void>) {
    this.#inner = inner;
    this.#committed = committed;
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

  async reply(to: IncomingMessage, text: string): Promise<void> {
    const after = this.#committed();
    if (this.#inner.defersOutput) return this.#inner.reply(to, text, after);
    await after;
    return this.#inner.reply(to, text);
  }

  async send(target: string, text: string): Promise<void> {
    const after = this.#committed();
    if (this.#inner.defersOutput) return this.#inner.send(target, text, after);
    await after;
    return this.#inner.send(target, text);
  }

  stop(): Promise<void> {
    return this.#inner.stop();
  }
}
