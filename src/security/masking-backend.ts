import type { Backend, IncomingMessage } from "../backends/backend.js";
import { maskSecretValues } from "./mask-secret-values.js";

/**
 * Wraps the chat backend so that nothing the bot posts can carry a secret config value, whichever
 * plugin, webhook or timer wrote it.
 */
export class MaskingBackend implements Backend {
  readonly #inner: Backend;
  readonly #secrets: () => readonly string[];

  constructor(inner: Backend, secrets: () => readonly string[]) {
    this.#inner = inner;
    this.#secrets = secrets;
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
    return this.#inner.reply(to, maskSecretValues(text, this.#secrets()));
  }

  send(target: string, text: string): Promise<void> {
    return this.#inner.send(target, maskSecretValues(text, this.#secrets()));
  }

  stop(): Promise<void> {
    return this.#inner.stop();
  }
}
