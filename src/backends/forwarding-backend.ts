import type { Backend, IncomingMessage } from "./backend.js";

/**
 * A backend that hands everything to another one: the base of the wrappers that change what goes out
 * (masking secrets, making records durable first) while the bot sees one Backend.
 */
export class ForwardingBackend implements Backend {
  protected readonly inner: Backend;

  constructor(inner: Backend) {
    this.inner = inner;
  }

  get name(): string {
    return this.inner.name;
  }

  get httpRoutes(): Backend["httpRoutes"] {
    return this.inner.httpRoutes;
  }

  run(onMessage: (message: IncomingMessage) => Promise<void>): Promise<void> {
    return this.inner.run(onMessage);
  }

  reply(to: IncomingMessage, text: string): Promise<void> {
    return this.inner.reply(to, text);
  }

  send(target: string, text: string): Promise<void> {
    return this.inner.send(target, text);
  }

  stop(): Promise<void> {
    return this.inner.stop();
  }
}
