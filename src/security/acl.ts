import { UsageError } from "../errors.js";
import { GROUP_NAME } from "./groups.js";
import { USER_ID } from "./user-id.js";

/**
 * Who may run what. The rules, in the order the README gives them:
 * 1. `@admin` commands are for admins only, whatever the rules say (so no rule can lock admins out of
 *    `!acl` and `!auth`, and none can open them to others).
 * 2. Otherwise every command is allowed unless a rule that matches denies it.
 * 3. When several rules match, the most specific wins: first by who (a user beats a group beats `*`),
 *    then by room (a rule for this room beats one for every room), then by target (a command beats
 *    all of a plugin). Between equally specific rules, deny wins.
 */
export type Effect = "allow" | "deny";
export type Target = { kind: "command"; name: string } | { kind: "plugin"; name: string };
export type Who = { kind: "user"; id: string } | { kind: "group"; name: string } | { kind: "any" };

export interface AclRule {
  id: string;
  effect: Effect;
  target: Target;
  who: Who;
  /** "#ops", or null for every room and direct messages. */
  room: string | null;
  source: "chat" | "config";
}

export interface Subject {
  userId: string;
  groups: ReadonlySet<string>;
  isAdmin: boolean;
  room: string | null;
}

export interface CommandRef {
  name: string;
  plugin: string;
  admin: boolean;
}

export interface Decision {
  allowed: boolean;
  /** Why, for refusals and the audit log. */
  reason: string;
  rule?: AclRule;
}

export function decide(subject: Subject, command: CommandRef, rules: readonly AclRule[]): Decision {
  if (command.admin) {
    return subject.isAdmin ? { allowed: true, reason: "admin" } : { allowed: false, reason: "admins only" };
  }
  let best: { rule: AclRule; rank: number } | undefined;
  for (const rule of rules) {
    if (!matches(rule, subject, command)) continue;
    const rank = specificity(rule);
    if (!best || rank > best.rank || (rank === best.rank && rule.effect === "deny")) best = { rule, rank };
  }
  if (!best) return { allowed: true, reason: "no rule denies it" };
  return {
    allowed: best.rule.effect === "allow",
    reason: `rule ${describeRule(best.rule)}`,
    rule: best.rule,
  };
}

function matches(rule: AclRule, s: Subject, c: CommandRef): boolean {
  const targetOk =
    rule.target.kind === "command" ? rule.target.name === c.name : rule.target.name === c.plugin;
  const whoOk =
    rule.who.kind === "any" ||
    (rule.who.kind === "user" ? rule.who.id === s.userId : s.groups.has(rule.who.name));
  const roomOk = rule.room === null || rule.room === s.room;
  return targetOk && whoOk && roomOk;
}

function specificity(rule: AclRule): number {
  const who = rule.who.kind === "user" ? 2 : rule.who.kind === "group" ? 1 : 0;
  return who * 4 + (rule.room === null ? 0 : 2) + (rule.target.kind === "command" ? 1 : 0);
}

export function describeRule(rule: AclRule): string {
  const target = rule.target.kind === "plugin" ? `${rule.target.name}:*` : `"${rule.target.name}"`;
  const who =
    rule.who.kind === "any"
      ? "*"
      : rule.who.kind === "user"
        ? `user:${rule.who.id}`
        : `group:${rule.who.name}`;
  return `${rule.id}: ${rule.effect} ${target} ${who}${rule.room ? ` room:${rule.room}` : ""}`;
}

/** The identity of `user:NAME`; an empty or blank NAME names nobody and is refused. */
function userId(who: string, qualifyUser: (name: string) => string): string {
  let id = "";
  try {
    id = qualifyUser(who.slice(5));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
  }
  if (!USER_ID.test(id)) throw new UsageError(`"${who}" is not a WHO. ${USAGE}`);
  return id;
}

const USAGE =
  "Usage: `!acl allow|deny TARGET WHO [room:ROOM]`, TARGET a command or PLUGIN:*, WHO user:NAME, group:NAME or *.";

/**
 * Reads a rule from chat words: effect, target, who, optional room. `qualifyUser` turns a user name
 * into the backend's id ("alice" → "console:alice").
 */
export function parseRule(
  effect: string,
  target: string,
  who: string,
  room: string | undefined,
  qualifyUser: (name: string) => string,
): Omit<AclRule, "id" | "source"> {
  if (effect !== "allow" && effect !== "deny") throw new UsageError(USAGE);
  const parsedTarget: Target = target.endsWith(":*")
    ? { kind: "plugin", name: target.slice(0, -2) }
    : { kind: "command", name: target.replace(/^!/, "").trim().toLowerCase() };
  if (!parsedTarget.name) throw new UsageError(USAGE);
  let parsedWho: Who;
  if (who === "*") parsedWho = { kind: "any" };
  else if (who.startsWith("user:")) parsedWho = { kind: "user", id: userId(who, qualifyUser) };
  else if (who.startsWith("group:") && GROUP_NAME.test(who.slice(6).toLowerCase()))
    parsedWho = { kind: "group", name: who.slice(6).toLowerCase() };
  else throw new UsageError(`"${who}" is not a WHO. ${USAGE}`);
  let parsedRoom: string | null = null;
  if (room !== undefined) {
    if (!room.startsWith("room:") || room.length <= 5)
      throw new UsageError(`"${room}" is not room:NAME. ${USAGE}`);
    parsedRoom = `#${room.slice(5).replace(/^#/, "")}`;
  }
  return { effect, target: parsedTarget, who: parsedWho, room: parsedRoom };
}
