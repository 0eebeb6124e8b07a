import type { Backend, IncomingMessage } from "../backends/backend.js";
import { NotAllowedError } from "../errors.js";
import type { Logger } from "../log.js";
import type { CommandResult, Context } from "../plugin-api/context.js";
import type { Decision } from "../security/acl.js";
import type { AuditDecision, AuditEntry } from "../security/audit.js";
import { checkArity } from "./check-arity.js";
import type { Command } from "./command.js";
import { createContext } from "./create-context.js";
import type { Arguments } from "./parse-message.js";
import type { CommandRegistry } from "./registry.js";
import { formatResult, type Replies } from "./replies.js";

export interface RunnerOptions {
  prefix: string;
  /** May this sender run this command here? Asked at run time, every time, whoever triggered it. */
  authorize(message: IncomingMessage, command: Command): Decision;
  /** Files an `@approval` request and says so. */
  requestApproval(message: IncomingMessage, command: Command, commandText: string): Promise<string>;
  audit(entry: AuditEntry): Promise<void>;
  pluginVersion(plugin: string): string;
  redact(text: string): string;
  /** Adds what core plugins need on top of the plugin Context (the Context given, made for this message). */
  extendContext(ctx: Context, message: IncomingMessage): Context;
}

/**
 * Runs one resolved command for a message: authorize, check arguments, hold it for approval when it is
 * tagged `@approval`, run it, reply, and record the whole story in the audit log.
 */
export class CommandRunner {
  readonly #registry: CommandRegistry;
  readonly #backend: Backend;
  readonly #replies: Replies;
  readonly #log: Logger;
  readonly #opts: RunnerOptions;

  constructor(
    registry: CommandRegistry,
    backend: Backend,
    replies: Replies,
    log: Logger,
    options: RunnerOptions,
  ) {
    this.#registry = registry;
    this.#backend = backend;
    this.#replies = replies;
    this.#log = log;
    this.#opts = options;
  }

  async run(
    message: IncomingMessage,
    command: Command,
    parsed: Arguments,
    commandText: string,
    approvedBy?: string,
  ): Promise<void> {
    const started = process.hrtime.bigint();
    let decision: AuditDecision = approvedBy ? `approved by ${approvedBy}` : "allowed";
    let reason: string | undefined;
    let outcome = "-";
    let answer = "";
    let failure: { err: unknown } | null = null;
    try {
      const verdict = this.#opts.authorize(message, command);
      if (!verdict.allowed) {
        decision = "refused";
        reason = verdict.reason;
        throw new NotAllowedError(this.#refusal(message, command, verdict));
      }
      checkArity(command, parsed, this.#registry, this.#opts.prefix);
      if (command.doc.approval && !approvedBy) {
        decision = "waiting";
        answer = await this.#opts.requestApproval(message, command, commandText);
        reason = /Request (\w+)/.exec(answer)?.[1];
      } else {
        const ctx = this.#opts.extendContext(
          createContext(message, parsed, this.#backend, this.#log),
          message,
        );
        answer = formatResult((await command.run(ctx, parsed.positional)) as CommandResult);
        outcome = "ok";
      }
    } catch (err) {
      failure = { err };
      if (decision !== "refused")
        outcome = this.#opts.redact(`error: ${(err as Error).message ?? String(err)}`).slice(0, 300);
    }
    // Recorded before the answer goes out, so that the answer is never there without its record.
    this.#audit(message, commandText, {
      decision,
      reason,
      plugin: command.plugin,
      version: this.#opts.pluginVersion(command.plugin),
      outcome,
      durationMs: Math.round(Number(process.hrtime.bigint() - started) / 1e6),
    });
    if (failure) {
      await this.#replies.replyWithError(
        message,
        failure.err,
        `\`${this.#opts.prefix}${command.name}\``,
        command.plugin,
      );
    } else if (answer) {
      await this.#replies.reply(message, answer);
    }
  }

  /** A message the rate limit dropped: in the audit log too, as an admin looking at a flood wants it. */
  auditRateLimited(message: IncomingMessage, commandText: string): void {
    this.#audit(message, commandText, {
      decision: "refused",
      reason: "rate limit",
      plugin: "-",
      version: "-",
      outcome: "-",
      durationMs: 0,
    });
  }

  #audit(
    message: IncomingMessage,
    commandText: string,
    fields: Omit<AuditEntry, "at" | "user" | "room" | "command">,
  ): void {
    // Field by field rather than spread: this runs for every command, and a spread costs more.
    this.#opts
      .audit({
        at: new Date().toISOString(),
        user: message.sender.id,
        room: message.room,
        command: this.#opts.redact(commandText.trim()).slice(0, 2000),
        decision: fields.decision,
        // Left out of the record when there is none.
        reason: fields.reason || undefined,
        plugin: fields.plugin,
        version: fields.version,
        outcome: fields.outcome,
        durationMs: fields.durationMs,
      })
      .catch((err) => this.#log.error({ err }, "could not write the audit log"));
  }

  /** Why this sender may not run this command here, or null when they may. */
  refusalFor(message: IncomingMessage, command: Command): string | null {
    const verdict = this.#opts.authorize(message, command);
    return verdict.allowed ? null : this.#refusal(message, command, verdict);
  }

  #refusal(message: IncomingMessage, command: Command, verdict: Decision): string {
    const cmd = `\`${this.#opts.prefix}${command.name}\``;
    if (!verdict.rule)
      return `${cmd} is for admins only. Admins are listed in the bot's config (\`admins\`); ask one of them.`;
    const where = message.room ? ` in ${message.room}` : "";
    return `You may not run ${cmd}${where} (${verdict.reason}). Ask an admin if you need it.`;
  }
}
