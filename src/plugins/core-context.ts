import type { IncomingMessage } from "../backends/backend.js";
import type { Command } from "../commands/command.js";
import type { HandlingSummary } from "../commands/handling-times.js";
import type { HistoryEntry } from "../history/history-log.js";
import type { Context } from "../plugin-api/context.js";
import type { RepoManager } from "../repos/repo-manager.js";
import type { ChatSchedules } from "../scheduler/chat-schedules.js";
import type { AclStore } from "../security/acl-store.js";
import type { ApprovalRequest, ApprovalStore } from "../security/approvals.js";
import type { AuditLog } from "../security/audit.js";
import type { GroupStore } from "../security/groups.js";
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
  /**
   * How long the bot took over the recent messages it acted on, and what it is handling now (see
   * HandlingTimes); `asker`, the message asking, is not counted as in progress.
   */
  handlingTimes(asker?: object): HandlingSummary;
  readonly prefix: string;
  readonly dataDir: string;
  commands(): Command[];
  plugins(): PluginSummary[];
  pluginManager: PluginManager;
  repoManager: RepoManager;
  groups: GroupStore;
  acl: AclStore;
  approvals: ApprovalStore;
  audit: AuditLog;
  isAdmin(userId: string): boolean;
  /** May the sender of this message run this command here? */
  canRun(message: IncomingMessage, command: Command): boolean;
  /** Why the sender may not run the command here, as the command itself would answer; null when they may. */
  refusal(message: IncomingMessage, command: Command): string | null;
  /** A user named in chat ("alice", "@alice") → a backend id ("console:alice"). */
  qualifyUser(name: string): string;
  /** Runs an approved request as its requester, where it was asked, with every check again. */
  runApproved(request: ApprovalRequest, approver: string): Promise<void>;
  schedules: ChatSchedules;
  /** The command a text would run ("jenkins status x" → jenkins status), if any. */
  resolveCommand(text: string): Command | undefined;
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
