import type { Backend, IncomingMessage } from "../backends/backend.js";
import { isErrandError, PluginThrewError } from "../errors.js";
import { type Logger, newErrorId } from "../log.js";
import type { CommandResult } from "../plugin-api/context.js";

/**
 * Answers to messages. Only ErrandErrors reach chat as written; any other failure is logged with its
 * stack under an id, and the user gets a short apology that quotes the id.
 */
export class Replies {
  readonly #backend: Backend;
  readonly #log: Logger;

  constructor(backend: Backend, log: Logger) {
    this.#backend = backend;
    this.#log = log;
  }

  async reply(message: IncomingMessage, text: string): Promise<void> {
    await this.#backend.reply(message, text);
  }

  async replyWithError(message: IncomingMessage, err: unknown, what: string, plugin?: string): Promise<void> {
    if (err instanceof PluginThrewError) {
      // The plugin's author needs the stack; the user gets the message and an id to quote.
      const id = newErrorId();
      this.#log.error({ err, errorId: id, plugin, user: message.sender.id }, `plugin code threw: ${what}`);
      await this.reply(message, `${err.message} (error id ${id})`);
      return;
    }
    if (isErrandError(err)) {
      await this.reply(message, err.message);
      return;
    }
    const id = newErrorId();
    this.#log.error({ err, errorId: id, plugin, user: message.sender.id }, `command failed: ${what}`);
    const text =
      `Sorry, ${what} failed${plugin ? ` in plugin ${plugin}` : ""} (error id ${id}). ` +
      "An admin can find the details in the log under that id.";
    try {
      await this.reply(message, text);
    } catch (replyErr) {
      this.#log.error({ err: replyErr, errorId: id }, "could not send the error reply");
    }
  }
}

export function formatResult(result: CommandResult): string {
  if (result === undefined || result === null) return "";
  if (typeof result === "string") return result;
  if (Array.isArray(result)) return result.map(String).join("\n");
  // A plugin bug, not the user's: logged with its stack like any other.
  throw new TypeError(`A command returned ${typeof result}; commands return text or an array of lines.`);
}
