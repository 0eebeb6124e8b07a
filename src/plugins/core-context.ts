import type { IncomingMessage } from "../backends/backend.js";
import type { Command } from "../commands/command.js";
import type { HistoryEntry } from "../history/history-log.js";
import type { Context } from "../plugin-api/context.js";
import type { RepoManager } from "../repos/repo-manager.js";
import type { PluginManager, PluginStatus } from "./plugin-manager.js";

export interface PluginSummary {
  name: string;
  version: string;
  description: string;
  kind: "core" | "sandboxed";
  state: PluginStatus;
}

/**
 * What trusted core plugins may use beyond a plugin's Context. Sandboxed plugins never see this.
 */
export interface HostServices {
  readonly version: string;
  readonly startedAt: Date;
  readonly backendName: string;
  readonly prefix: string;
  readonly dataDir: string;
  commands(): Command[];
  plugins(): PluginSummary[];
  pluginManager: PluginManager;
  repoManager: RepoManager;
  isAdmin(userId: string): boolean;
  canRun(userId: string, command: Command): boolean;
  history: {
    recent(userId: string, count: number): Promise<HistoryEntry[]>;
    get(userId: string, n: number): Promise<HistoryEntry | undefined>;
  };
  /** Runs `text` as a new message from the same sender, in the same place, with every check again. */
  rerun(message: IncomingMessage, text: string): Promise<void>;
}

export interface CoreContext extends Context {
  readonly host: HostServices;
  /** The message being handled, for services that act on the sender's behalf. */
  readonly message: IncomingMessage;
}
