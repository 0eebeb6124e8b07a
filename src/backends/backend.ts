import type { HttpRoute } from "../http/http-server.js";

/** Someone or something that talks to the bot. */
export interface Identity {
  /** Backend-qualified, stable: "console:alice", "slack:U123". Admins and trustedBots are lists of these. */
  readonly id: string;
  /** What people call them: "alice". */
  readonly name: string;
  readonly isBot: boolean;
}

export interface IncomingMessage {
  /** The text, with a leading mention of the bot removed (see `addressed`). */
  readonly text: string;
  readonly sender: Identity;
  /** "#ops", or null in a direct conversation. */
  readonly room: string | null;
  readonly thread: string | null;
  readonly isDirect: boolean;
  /** The message began by mentioning the bot (`@errand status`). */
  readonly addressed: boolean;
}

/**
 * A chat transport. The bot never knows whether it talks to a terminal or Slack: it gets messages
 * through `start` and answers through `reply` and `send`.
 */
export interface Backend {
  readonly name: string;
  /** Routes the backend needs on the bot's HTTP server (Slack HTTP events); served when it runs. */
  readonly httpRoutes?: readonly HttpRoute[];
  /**
   * Starts delivering messages to `onMessage`. Resolves when the backend will deliver no more (the
   * console at end of input; a network backend when stopped), after every delivered message is handled.
   */
  run(onMessage: (message: IncomingMessage) => Promise<void>): Promise<void>;
  /** Answers in the room and thread of `to`. */
  reply(to: IncomingMessage, text: string): Promise<void>;
  /** Posts to "#room" or "@user". */
  send(target: string, text: string): Promise<void>;
  stop(): Promise<void>;
  /**
   * For a backend that gathers what is said and writes it out later (the console on a pipe): it calls
   * `beforeOutput` right before each write, so what must precede an answer can be done once per write.
   */
  deferOutput?(beforeOutput: () => void): void;
}
