import type { Backend, IncomingMessage } from "../backends/backend.js";
import { ForwardingBackend } from "../backends/forwarding-backend.js";
import { maskSecretValues } from "./mask-secret-values.js";

/**
 * Wraps the chat backend so that nothing the bot posts can carry a secret config value, whichever
 * plugin, webhook or timer wrote it.
 */
export class MaskingBackend extends ForwardingBackend {
  readonly #secrets: () => readonly string[];

  constructor(inner: Backend, secrets: () => readonly string[]) {
    super(inner);
    this.#secrets = secrets;
  }

  override reply(to: IncomingMessage, text: string): Promise<void> {
    return this.inner.reply(to, maskSecretValues(text, this.#secrets()));
  }

  override send(target: string, text: string): Promise<void> {
    return this.inner.send(target, maskSecretValues(text, this.#secrets()));
  }
}
