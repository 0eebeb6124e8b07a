import type { Backend, IncomingMessage } from "../backends/backend.js";
import { usageLine } from "../docs/command-doc.js";
import { isErrandError, NotAllowedError, UsageError } from "../errors.js";
import type { HistoryLog } from "../history/history-log.js";
import { type Logger, newErrorId } from "../log.js";
import type { CommandResult, Context } from "../plugin-api/context.js";
import type { Command } from "./command.js";
import { buildArguments, tokenize } from "./parse-message.js";
import type { CommandRegistry } from "./registry.js";
import { suggestCommands } from "./suggest.js";

export interface DispatcherOptions {
  prefix: string;
  maxMessageLength: number;
  isAdmin(userId: string): boolean;
  isTrustedBot(userId: string): boolean;
  /** Adds what core plugins need on top of the plugin Context. */
  extendContext(ctx: Context, message: IncomingMessage): Context;
  /** Masks secrets in a command's text before it is recorded. */
  redact(text: string): string;
  /** `@match` listeners: they run on messages that are not commands. */
  listeners(): readonly Listener[];
}

export interface Listener {
  plugin: string;
  regex: RegExp;
  run(ctx: Context, match: string[]): Promise<unknown>;
}

/**
 * From a message to a reply: is it a command, which one, may this user run it, run it, answer.
 * Only ErrandErrors reach chat as written; any other failure is logged with its stack under an id
 * and the user gets a short apology that quotes the id.
 */
export class Dispatcher {
  readonly #registry: CommandRegistry;
  readonly #backend: Backend;
  readonly #history: HistoryLog;
  readonly #log: Logger;
  readonly #options: DispatcherOptions;

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
  }

  /** Handles one incoming message. Never throws: whatever goes wrong becomes a reply and a log line. */
  async handle(message: IncomingMessage): Promise<void> {
    try {
      await this.#handle(message);
    } catch (err) {
      await this.#replyWithError(message, err, "your message");
    }
  }

  /** May this user run this command? (Help lists only what the asker may run.) */
  canRun(userId: string, command: Command): boolean {
    return !command.doc.admin || this.#options.isAdmin(userId);
  }

  async #handle(message: IncomingMessage): Promise<void> {
    if (message.sender.isBot && !this.#options.isTrustedBot(message.sender.id)) return;
    const commandText = this.#commandText(message);
    if (commandText === null) {
      await this.#runListeners(message);
      return;
    }
    const explicit = commandText !== message.text.trim() || message.addressed;
    if (commandText.length > this.#options.maxMessageLength) {
      await this.#reply(
        message,
        `That message is ${commandText.length} characters long; commands are limited to ` +
          `${this.#options.maxMessageLength}. Put long input in a file or a paste link.`,
      );
      return;
    }
    const tokens = tokenize(commandText);
    if (tokens.length === 0) {
      // A bare prefix or mention asks for attention; an empty line in a direct conversation does not.
      if (explicit) await this.#reply(message, `Type \`${this.#options.prefix}help\` to see what I can do.`);
      return;
    }
    const resolved = this.#registry.resolve(tokens.map((t) => t.value));
    if (!resolved) {
      // In a direct message, plain talk may be for a listener rather than a mistyped command.
      if (!explicit && (await this.#runListeners(message))) return;
      await this.#reply(message, this.#unknownCommandReply(tokens.map((t) => t.value)));
      return;
    }
    const { command, wordCount } = resolved;
    if (command.recordsHistory !== false) {
      await this.#history.record(message.sender.id, this.#options.redact(commandText.trim()), message.room);
    }
    await this.run(message, command, buildArguments(commandText, tokens, wordCount));
  }

  /** Runs a resolved command for a message: permission check, argument check, handler, reply. */
  async run(
    message: IncomingMessage,
    command: Command,
    parsed: ReturnType<typeof buildArguments>,
  ): Promise<void> {
    try {
      if (!this.canRun(message.sender.id, command)) {
        throw new NotAllowedError(
          `\`${this.#options.prefix}${command.name}\` is for admins only. Admins are listed in the bot's config ` +
            "(`admins`); ask one of them.",
        );
      }
      this.#checkArity(command, parsed);
      const ctx = this.#options.extendContext(this.#createContext(message, parsed), message);
      const result = (await command.run(ctx, parsed.positional)) as CommandResult;
      const text = formatResult(result);
      if (text) await this.#reply(message, text);
    } catch (err) {
      await this.#replyWithError(message, err, `\`${this.#options.prefix}${command.name}\``, command.plugin);
    }
  }

  /** Runs every listener whose regex matches; true when at least one did. */
  async #runListeners(message: IncomingMessage): Promise<boolean> {
    const text = message.text;
    if (text.length > this.#options.maxMessageLength) return false;
    let matched = false;
    for (const listener of this.#options.listeners()) {
      const m = listener.regex.exec(text);
      if (!m) continue;
      matched = true;
      const parsed = { args: [], positional: [], options: {}, text };
      try {
        const ctx = this.#options.extendContext(this.#createContext(message, parsed), message);
        const text = formatResult(
          (await listener.run(
            ctx,
            [...m].map((g) => g ?? ""),
          )) as CommandResult,
        );
        if (text) await this.#reply(message, text);
      } catch (err) {
        await this.#replyWithError(message, err, `a listener of ${listener.plugin}`, listener.plugin);
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

  #checkArity(command: Command, parsed: ReturnType<typeof buildArguments>): void {
    const count = parsed.positional.length;
    const params = command.doc.params;
    const required = params.filter((p) => !p.optional && !p.rest).length;
    const max = params.some((p) => p.rest) ? Number.POSITIVE_INFINITY : params.length;
    if (count >= required && count <= max) return;
    const { prefix } = this.#options;
    const problem = count < required ? "is missing arguments" : "got more arguments than it takes";
    // "!repos instal x" resolves to "!repos" with extra words: the user most likely misspelt a subcommand.
    const family = this.#registry
      .all()
      .filter((c) => c.name.startsWith(`${command.name} `) && !c.doc.hidden)
      .map((c) => c.name);
    const guesses = count > max ? suggestCommands([...command.words, ...parsed.args], family) : [];
    const didYouMean =
      guesses.length > 0 ? ` Did you mean ${guesses.map((g) => `\`${prefix}${g}\``).join(", ")}?` : "";
    throw new UsageError(
      `\`${prefix}${command.name}\` ${problem}. Usage: \`${usageLine(command.doc, prefix)}\` ` +
        `(see \`${prefix}help ${command.name}\`).${didYouMean}`,
    );
  }

  #createContext(message: IncomingMessage, parsed: ReturnType<typeof buildArguments>): Context {
    const log = this.#log;
    return {
      args: Object.freeze([...parsed.args]),
      options: Object.freeze({ ...parsed.options }),
      text: parsed.text,
      user: Object.freeze({ id: message.sender.id, name: message.sender.name }),
      room: message.room,
      thread: message.thread,
      isDirect: message.isDirect,
      reply: (text: string) => this.#reply(message, text),
      send: (target: string, text: string) => this.#backend.send(target, text),
      log: {
        info: (m: string) => log.info({ user: message.sender.id }, m),
        warn: (m: string) => log.warn({ user: message.sender.id }, m),
        error: (m: string) => log.error({ user: message.sender.id }, m),
      },
    };
  }

  #unknownCommandReply(words: string[]): string {
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
    const list = suggestions.map((s) => `\`${prefix}${s}\``).join(", ");
    return `I don't know \`${typed}\`. Did you mean ${list}?`;
  }

  async #reply(message: IncomingMessage, text: string): Promise<void> {
    await this.#backend.reply(message, text);
  }

  async #replyWithError(
    message: IncomingMessage,
    err: unknown,
    what: string,
    plugin?: string,
  ): Promise<void> {
    if (isErrandError(err)) {
      await this.#reply(message, err.message);
      return;
    }
    const id = newErrorId();
    this.#log.error({ err, errorId: id, plugin, user: message.sender.id }, `command failed: ${what}`);
    const text =
      `Sorry, ${what} failed${plugin ? ` in plugin ${plugin}` : ""} (error id ${id}). ` +
      "An admin can find the details in the log under that id.";
    try {
      await this.#reply(message, text);
    } catch (replyErr) {
      this.#log.error({ err: replyErr, errorId: id }, "could not send the error reply");
    }
  }
}

function formatResult(result: CommandResult): string {
  if (result === undefined || result === null) return "";
  if (typeof result === "string") return result;
  if (Array.isArray(result)) return result.map(String).join("\n");
  // A plugin bug, not the user's: logged with its stack like any other.
  throw new TypeError(`A command returned ${typeof result}; commands return text or an array of lines.`);
}
