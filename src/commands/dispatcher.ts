import type { Backend, IncomingMessage } from "../backends/backend.js";
import type { HistoryLog } from "../history/history-log.js";
import type { Logger } from "../log.js";
import type { CommandResult, Context } from "../plugin-api/context.js";
import type { Command } from "./command.js";
import { CommandRunner, type RunnerOptions } from "./command-runner.js";
import { createContext } from "./create-context.js";
import { buildArguments, tokenize } from "./parse-message.js";
import type { CommandRegistry } from "./registry.js";
import { formatResult, Replies } from "./replies.js";
import { suggestCommands } from "./suggest.js";

export interface DispatcherOptions extends RunnerOptions {
  maxMessageLength: number;
  isTrustedBot(userId: string): boolean;
  /** "ok" to serve, "warn" the first time a user goes over the rate limit, "drop" after that. */
  rateLimit(userId: string): { verdict: "ok" | "warn" | "drop"; waitSeconds: number };
  /** When an installed but inactive plugin has this command: why it is not running, and what to do. */
  explainUnavailable?(words: string[]): string | null;
  /** `@match` listeners, one per plugin: they run on messages that are not commands. */
  listeners(): readonly Listener[];
}

/** A plugin's `@match` functions. */
export interface Listener {
  plugin: string;
  /** Those whose pattern matches the text, tested in the plugin's sandbox under its limits. */
  match(text: string): Promise<ListenerMatch[]>;
}

/** A `@match` function that matched: run it to get its reply. */
export interface ListenerMatch {
  run(ctx: Context): Promise<unknown>;
}

/** Extra facts about a message the bot runs on someone's behalf. */
export interface OnBehalf {
  /** It was approved by this user (an `@approval` request). */
  approvedBy?: string;
  /** It is a run of this chat schedule. */
  scheduled?: string;
}

/**
 * From a message to a command: is it one (prefix, mention, direct message), which one (longest match,
 * or "did you mean"), and into history; the CommandRunner does the rest. Messages that are not commands
 * go to `@match` listeners.
 */
export class Dispatcher {
  readonly #registry: CommandRegistry;
  readonly #backend: Backend;
  readonly #history: HistoryLog;
  readonly #log: Logger;
  readonly #options: DispatcherOptions;
  readonly #replies: Replies;
  readonly #runner: CommandRunner;

  constructor(
    registry: CommandRegistry,
    backend: Backend,
    history: HistoryLog,
    log: Logger,
    options: DispatcherOptions,
  ) {
    this.#registry = registry;
    this.#backend = backend;
    this.#history = history;
    this.#log = log;
    this.#options = options;
    this.#replies = new Replies(backend, log);
    this.#runner = new CommandRunner(registry, backend, this.#replies, log, options);
  }

  /**
   * Handles one incoming message; resolves with whether the bot acted on it (ran a command or a listener,
   * or answered), not when it let it pass (talk, a bot it does not trust, a sender over the rate limit).
   * Whatever goes wrong becomes a reply and a log line; it rejects only when even that reply fails.
   */
  async handle(message: IncomingMessage, onBehalf: OnBehalf = {}): Promise<boolean> {
    try {
      return await this.#handle(message, onBehalf);
    } catch (err) {
      await this.#replies.replyWithError(message, err, "your message");
      return true;
    }
  }

  /** May this sender run this command here? (Help lists only what the asker may run.) */
  canRun(message: IncomingMessage, command: Command): boolean {
    return this.#options.authorize(message, command).allowed;
  }

  /** Why this sender may not run this command here (the rule, or admins only), or null when they may. */
  refusal(message: IncomingMessage, command: Command): string | null {
    return this.#runner.refusalFor(message, command);
  }

  async #handle(message: IncomingMessage, onBehalf: OnBehalf): Promise<boolean> {
    if (message.sender.isBot && !this.#options.isTrustedBot(message.sender.id)) return false;
    const commandText = this.#commandText(message);
    if (commandText === null) return await this.#runListeners(message);
    const onSomeonesBehalf = Boolean(onBehalf.approvedBy || onBehalf.scheduled);
    if (!onSomeonesBehalf && !(await this.#withinRateLimit(message, commandText))) return false;
    const explicit = commandText !== message.text.trim() || message.addressed;
    if (commandText.length > this.#options.maxMessageLength) {
      await this.#replies.reply(
        message,
        `That message is ${commandText.length} characters long; commands are limited to ` +
          `${this.#options.maxMessageLength}. Put long input in a file or a paste link.`,
      );
      return true;
    }
    const tokens = tokenize(commandText);
    if (tokens.length === 0) {
      // A bare prefix or mention asks for attention; an empty line in a direct conversation does not.
      if (explicit)
        await this.#replies.reply(message, `Type \`${this.#options.prefix}help\` to see what I can do.`);
      return explicit;
    }
    const resolved = this.#registry.resolve(tokens.map((t) => t.value));
    if (!resolved) {
      // In a direct message, plain talk may be for a listener rather than a mistyped command.
      if (!explicit && (await this.#runListeners(message))) return true;
      await this.#replies.reply(message, this.#unknownCommandReply(tokens.map((t) => t.value)));
      return true;
    }
    const { command, wordCount } = resolved;
    const text = commandText.trim();
    if (command.recordsHistory !== false && !onSomeonesBehalf) {
      // Durable before any reply (the journal), in LevelDB with the next group commit.
      await this.#history.record(message.sender.id, this.#options.redact(text), message.room);
    }
    await this.#runner.run(
      message,
      command,
      buildArguments(commandText, tokens, wordCount),
      text,
      onBehalf.approvedBy,
    );
    return true;
  }

  async #withinRateLimit(message: IncomingMessage, commandText: string): Promise<boolean> {
    const { verdict, waitSeconds } = this.#options.rateLimit(message.sender.id);
    if (verdict !== "ok") this.#runner.auditRateLimited(message, commandText);
    if (verdict === "warn") {
      await this.#replies.reply(
        message,
        `${message.sender.name}, you are sending commands too fast; I will answer you again in ${waitSeconds} s.`,
      );
    }
    return verdict === "ok";
  }

  /** Runs every listener whose regex matches and whose plugin the sender may use; true when one matched. */
  async #runListeners(message: IncomingMessage): Promise<boolean> {
    const text = message.text;
    if (text.length > this.#options.maxMessageLength) return false;
    const listeners = this.#options.listeners().filter((listener) => {
      const asCommand = {
        name: `(listener of ${listener.plugin})`,
        plugin: listener.plugin,
        doc: { admin: false },
      } as Command;
      return this.#options.authorize(message, asCommand).allowed;
    });
    // Each plugin tests the text in its own sandbox, all at once. A test over its plugin's limit stops
    // that plugin (the plugin manager counts the failure): the message is simply not matched there.
    const found = await Promise.all(
      listeners.map((listener) =>
        listener.match(text).catch((err: unknown) => {
          this.#log.warn(
            { err, plugin: listener.plugin },
            "a @match test failed; the message is not matched",
          );
          return [];
        }),
      ),
    );
    let matched = false;
    for (const [i, matches] of found.entries()) {
      const plugin = (listeners[i] as Listener).plugin;
      for (const match of matches) {
        matched = true;
        const parsed = { args: [], positional: [], options: {}, text };
        try {
          const ctx = this.#options.extendContext(
            createContext(message, parsed, this.#backend, this.#log),
            message,
          );
          const reply = formatResult((await match.run(ctx)) as CommandResult);
          if (reply) await this.#replies.reply(message, reply);
        } catch (err) {
          await this.#replies.replyWithError(message, err, `a listener of ${plugin}`, plugin);
        }
      }
    }
    return matched;
  }

  #commandText(message: IncomingMessage): string | null {
    const text = message.text.trim();
    const { prefix } = this.#options;
    if (text.startsWith(prefix)) return text.slice(prefix.length);
    if (message.addressed || message.isDirect) return text;
    return null;
  }

  #unknownCommandReply(words: string[]): string {
    const unavailable = this.#options.explainUnavailable?.(words);
    if (unavailable) return unavailable;
    const { prefix } = this.#options;
    const visible = this.#registry
      .all()
      .filter((c) => !c.doc.hidden)
      .map((c) => c.name);
    const suggestions = suggestCommands(words, visible);
    // Quote the second word too when the first one starts known commands ("!repos frob").
    const first = words[0]?.toLowerCase() ?? "";
    const family = visible.some((name) => name.startsWith(`${first} `));
    const typed = `${prefix}${words.slice(0, family ? 2 : 1).join(" ")}`;
    if (suggestions.length === 0)
      return `I don't know \`${typed}\`. Type \`${prefix}help\` to see what I can do.`;
    return `I don't know \`${typed}\`. Did you mean ${suggestions.map((s) => `\`${prefix}${s}\``).join(", ")}?`;
  }
}
