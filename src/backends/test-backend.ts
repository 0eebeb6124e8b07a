import type { Backend, Identity, IncomingMessage } from "./backend.js";

export interface Said {
  /** "#room", or "@user" for a direct conversation. */
  target: string;
  text: string;
  /** The thread answered in, when the message came from one. */
  thread?: string;
}

export interface SayOptions {
  /** Speaker name; "operator" by default. */
  as?: string;
  /** Room name without "#"; a direct conversation when absent. */
  room?: string;
  isBot?: boolean;
  thread?: string;
}

/**
 * A backend for tests and for `errand/testing`: `say()` delivers one message and resolves with
 * everything the bot posted while handling it.
 */
export class TestBackend implements Backend {
  readonly name: string;
  /** Everything posted, in order, across all messages. */
  readonly transcript: Said[];
  #onMessage: ((message: IncomingMessage) => Promise<void>) | undefined;
  #ready: Promise<void>;
  #markReady!: () => void;
  #stopped!: () => void;
  #done = new Promise<void>((resolve) => {
    this.#stopped = resolve;
  });

  /** `transcript`: where posts are recorded; pass one array to keep a transcript across restarts. */
  constructor(name = "console", transcript: Said[] = []) {
    this.name = name;
    this.transcript = transcript;
    this.#ready = new Promise((resolve) => {
      this.#markReady = resolve;
    });
  }

  async run(onMessage: (message: IncomingMessage) => Promise<void>): Promise<void> {
    this.#onMessage = onMessage;
    this.#markReady();
    await this.#done;
  }

  async say(text: string, options: SayOptions = {}): Promise<Said[]> {
    await this.#ready;
    const name = options.as ?? "operator";
    const sender: Identity = { id: `${this.name}:${name}`, name, isBot: options.isBot ?? false };
    const before = this.transcript.length;
    await this.#onMessage?.({
      text,
      sender,
      room: options.room ? `#${options.room}` : null,
      thread: options.thread ?? null,
      isDirect: !options.room,
      addressed: false,
    });
    return this.transcript.slice(before);
  }

  /** The replies to one message, joined: the common case in tests. */
  async ask(text: string, options: SayOptions = {}): Promise<string> {
    return (await this.say(text, options)).map((s) => s.text).join("\n");
  }

  async reply(to: IncomingMessage, text: string): Promise<void> {
    const target = to.room ?? `@${to.sender.name}`;
    this.transcript.push(to.thread ? { target, text, thread: to.thread } : { target, text });
  }

  async send(target: string, text: string): Promise<void> {
    this.transcript.push({ target, text });
  }

  async stop(): Promise<void> {
    this.#stopped();
  }
}
