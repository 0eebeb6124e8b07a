/**
 * What a command gets: the message, its parsed arguments, and the ways to answer.
 * This is the type plugin authors import (`errand/plugin`); core plugins get a CoreContext on top.
 */
export interface ChatUser {
  /** Backend-qualified id: "console:alice", "slack:U123". */
  readonly id: string;
  readonly name: string;
}

export interface Context {
  /** Every token after the command words, quotes removed. */
  readonly args: readonly string[];
  /** `key=value` tokens (also in args). */
  readonly options: Readonly<Record<string, string>>;
  /** The raw text after the command words. */
  readonly text: string;
  readonly user: ChatUser;
  /** "#ops", or null in a direct conversation. */
  readonly room: string | null;
  readonly thread: string | null;
  readonly isDirect: boolean;
  /** Answers in the room and thread the command came from. */
  reply(text: string): Promise<void>;
  /** Posts to "#room" or "@user". */
  send(target: string, text: string): Promise<void>;
  readonly log: PluginLog;
}

export interface PluginLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** What a command may return: the reply. */
export type CommandResult = string | readonly string[] | undefined | null;
