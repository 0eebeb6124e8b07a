import type { Backend, IncomingMessage } from "../backends/backend.js";
import type { Logger } from "../log.js";
import type { Context } from "../plugin-api/context.js";
import type { Arguments } from "./parse-message.js";

/** The Context a command or listener gets for a message: frozen copies of its fields, and ways to answer. */
export function createContext(
  message: IncomingMessage,
  parsed: Arguments,
  backend: Backend,
  log: Logger,
): Context {
  const tag = { user: message.sender.id };
  return {
    args: Object.freeze([...parsed.args]),
    options: Object.freeze({ ...parsed.options }),
    text: parsed.text,
    user: Object.freeze({ id: message.sender.id, name: message.sender.name }),
    room: message.room,
    thread: message.thread,
    isDirect: message.isDirect,
    reply: (text: string) => backend.reply(message, text),
    send: (target: string, text: string) => backend.send(target, text),
    log: {
      info: (m: string) => log.info(tag, m),
      warn: (m: string) => log.warn(tag, m),
      error: (m: string) => log.error(tag, m),
    },
  };
}
