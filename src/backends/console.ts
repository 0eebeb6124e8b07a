import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import { ErrandError, ErrorCode } from "../errors.js";
import type { Backend, Identity, IncomingMessage } from "./backend.js";

export interface ConsoleOptions {
  input: Readable;
  output: Writable;
  /** Interactive: show a prompt and a greeting. On a pipe there are neither, only replies. */
  interactive: boolean;
  botName: string;
  /** Shown once at start when interactive. */
  greeting?: string;
}

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;
/** Replies held on a pipe before they are written (see deferOutput). */
const MAX_UNWRITTEN = 128;
const META_HELP = "Console commands: /as NAME, /room NAME, /dm, /bot NAME, /quit.";

/**
 * The console backend: each input line is a message from the current console user, replies go to
 * stdout. Lines are handled one at a time, in order, so a piped script reads like a transcript and
 * `/as`, `/room` apply exactly where they stand.
 */
export class ConsoleBackend implements Backend {
  readonly name = "console";
  readonly #opts: ConsoleOptions;
  #speaker: Identity = { id: "console:operator", name: "operator", isBot: false };
  #room: string | null = null;
  readonly #mention: RegExp;
  #stopped = false;
  #close: (() => void) | undefined;
  #unwritten: string[] = [];
  #beforeOutput: (() => void) | undefined;

  constructor(options: ConsoleOptions) {
    this.#opts = options;
    this.#mention = new RegExp(`^\\s*@${escapeRegExp(options.botName)}\\b[:,]?\\s*`, "i");
  }

  async run(onMessage: (message: IncomingMessage) => Promise<void>): Promise<void> {
    const { input, output, interactive } = this.#opts;
    const rl = createInterface({
      input,
      output: interactive ? output : undefined,
      terminal: interactive,
      crlfDelay: Infinity,
    });
    this.#close = () => rl.close();
    if (interactive) {
      if (this.#opts.greeting) output.write(`${this.#opts.greeting}\n`);
      rl.setPrompt(this.#prompt());
      rl.prompt();
    }
    try {
      for await (const line of rl) {
        if (this.#stopped) break;
        const trimmed = line.trim();
        if (/^\/[A-Za-z]/.test(trimmed)) {
          if (this.#handleMeta(trimmed) === "quit") break;
        } else if (trimmed !== "") {
          await onMessage(this.#message(line));
        }
        if (interactive && !this.#stopped) {
          rl.setPrompt(this.#prompt());
          rl.prompt();
        }
      }
    } finally {
      rl.close();
      this.#flush();
    }
  }

  async reply(to: IncomingMessage, text: string): Promise<void> {
    const target = to.room ?? `@${to.sender.name}`;
    this.#print(target, text);
  }

  async send(target: string, text: string): Promise<void> {
    if (!/^[#@][A-Za-z0-9_.-]+$/.test(target)) {
      throw new ErrandError(ErrorCode.UsageError, `Cannot send to "${target}": a target is #room or @user.`);
    }
    this.#print(target, text);
  }

  /**
   * Piped lines are handled back to back, and their replies leave together when the lines at hand are
   * done, or every 128 replies, `beforeOutput` first: a write, and a log write, per reply cost more
   * than the reply.
   */
  deferOutput(beforeOutput: () => void): void {
    this.#beforeOutput = beforeOutput;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#close?.();
  }

  #message(text: string): IncomingMessage {
    const mention = this.#mention;
    const addressed = text.includes("@") && mention.test(text);
    return {
      text: addressed ? text.replace(mention, "") : text,
      sender: this.#speaker,
      room: this.#room,
      thread: null,
      isDirect: this.#room === null,
      addressed,
    };
  }

  /** Console-only lines: they change who speaks and where; plugins never see them. */
  #handleMeta(line: string): "quit" | undefined {
    const [word, ...rest] = line.split(/\s+/);
    const arg = rest.join(" ");
    const needName = (what: string) => {
      const name = arg.replace(/^[@#]/, "");
      if (!NAME.test(name)) {
        this.#write(`${word} needs a ${what} made of letters, digits, "_", "." or "-": ${word} NAME`);
        return undefined;
      }
      return name;
    };
    switch (word?.toLowerCase()) {
      case "/quit":
        return "quit";
      case "/dm":
        this.#room = null;
        return undefined;
      case "/as": {
        const name = needName("user name");
        if (name) this.#speaker = { id: `console:${name}`, name, isBot: false };
        return undefined;
      }
      case "/bot": {
        const name = needName("bot name");
        if (name) this.#speaker = { id: `console:${name}`, name, isBot: true };
        return undefined;
      }
      case "/room": {
        const name = needName("room name");
        if (name) this.#room = `#${name}`;
        return undefined;
      }
      default:
        this.#write(`Unknown console command ${word}. ${META_HELP}`);
        return undefined;
    }
  }

  #print(target: string, text: string): void {
    const here = this.#room ?? `@${this.#speaker.name}`;
    this.#write(target === here ? text : `[${target}] ${text}`);
  }

  #write(text: string): void {
    const line = `${sanitize(text)}\n`;
    if (this.#opts.interactive) {
      this.#beforeOutput?.();
      this.#opts.output.write(line);
      return;
    }
    // On a pipe, what is said while the lines at hand are handled goes out in one write (see deferOutput),
    // or in writes of MAX_UNWRITTEN replies while a long script is read: its first answers need not wait
    // for the last, and what was written dies young (holding the replies to a whole read made the bot
    // spend more time collecting garbage).
    this.#unwritten.push(line);
    if (this.#unwritten.length === 1) process.nextTick(() => this.#flush());
    else if (this.#unwritten.length >= MAX_UNWRITTEN) this.#flush();
  }

  #flush(): void {
    if (this.#unwritten.length === 0) return;
    const text = this.#unwritten.join("");
    this.#unwritten = [];
    this.#beforeOutput?.();
    this.#opts.output.write(text);
  }

  #prompt(): string {
    const who = this.#speaker.isBot ? `bot:${this.#speaker.name}` : this.#speaker.name;
    return this.#room ? `${who} ${this.#room}> ` : `${who}> `;
  }
}

/**
 * Control characters would let a message rewrite the user's terminal (ANSI escapes, backspaces):
 * replies show them as U+FFFD instead.
 */
function sanitize(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, "\ufffd");
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
