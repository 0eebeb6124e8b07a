import assert from "node:assert/strict";
import { type AclRule, type CommandRef, decide, parseRule, type Subject } from "../../src/security/acl.js";

const user = (name: string) => `console:${name}`;
const rule = (id: string, effect: string, target: string, who: string, room?: string): AclRule => ({
  ...parseRule(effect, target, who, room, user),
  id,
  source: "chat",
});

// The rules under test, each there for a reason given beside it.
const rules: AclRule[] = [
  rule("r1", "deny", "jenkins:*", "group:interns"), // a group is kept out of a whole plugin
  rule("r2", "allow", "jenkins build", "user:bob"), // ...but one intern may build (user beats group)
  rule("r3", "deny", "jenkins build", "*", "room:prod"), // nobody builds in #prod...
  rule("r4", "allow", "jenkins build", "group:ops", "room:prod"), // ...except ops (group beats *)
  rule("r5", "deny", "echo", "user:dave"), // one user loses a core command
  rule("r6", "allow", "repos install", "user:alice"), // an attempt to open an admin command: no effect
  rule("r7", "deny", "deploy", "*"), // a rule for a command no plugin defines yet
  rule("r8", "allow", "jenkins status", "group:interns"), // a command beats its plugin:* for the same group
  rule("r9", "deny", "jenkins:*", "group:ops", "room:ops"), // two equally specific rules...
  rule("r10", "allow", "jenkins:*", "group:ops", "room:ops"), // ...deny wins the tie
];

const groups: Record<string, string[]> = {
  root: [],
  alice: ["ops"],
  bob: ["interns"],
  carol: ["ops", "interns"],
  dave: [],
};
const admins = new Set(["root"]);

const commands: Record<string, CommandRef> = {
  "repos install": { name: "repos install", plugin: "repos", admin: true },
  "acl remove": { name: "acl remove", plugin: "acl", admin: true },
  "jenkins build": { name: "jenkins build", plugin: "jenkins", admin: false },
  "jenkins status": { name: "jenkins status", plugin: "jenkins", admin: false },
  "jenkins log": { name: "jenkins log", plugin: "jenkins", admin: false },
  echo: { name: "echo", plugin: "utils", admin: false },
  help: { name: "help", plugin: "help", admin: false },
  deploy: { name: "deploy", plugin: "deployer", admin: false },
};

type Row = [who: string, room: string | null, command: string, expected: "allow" | "deny", because: string];

const table: Row[] = [
  // Admin commands: admins only, whatever the rules say.
  ["root", null, "repos install", "allow", "admin"],
  ["root", "#prod", "repos install", "allow", "admin"],
  ["root", "#ops", "acl remove", "allow", "admin"],
  ["alice", null, "repos install", "deny", "admins only"], // r6 cannot grant it
  ["alice", "#ops", "repos install", "deny", "admins only"],
  ["bob", null, "repos install", "deny", "admins only"],
  ["carol", "#prod", "acl remove", "deny", "admins only"],
  ["dave", null, "acl remove", "deny", "admins only"],
  // No rule: allowed to everyone, everywhere.
  ["root", null, "help", "allow", "no rule"],
  ["alice", "#prod", "help", "allow", "no rule"],
  ["bob", "#ops", "help", "allow", "no rule"],
  ["carol", null, "help", "allow", "no rule"],
  ["dave", "#prod", "help", "allow", "no rule"],
  ["alice", null, "echo", "allow", "no rule"],
  ["dave", null, "jenkins build", "allow", "no rule"],
  ["alice", null, "jenkins build", "allow", "no rule"],
  ["root", null, "jenkins log", "allow", "no rule"],
  // A user rule.
  ["dave", null, "echo", "deny", "r5"],
  ["dave", "#ops", "echo", "deny", "r5"],
  ["dave", "#prod", "echo", "deny", "r5"],
  // A group kept out of a plugin; a user and a command exception.
  ["bob", null, "jenkins log", "deny", "r1"],
  ["bob", "#ops", "jenkins log", "deny", "r1"],
  ["carol", null, "jenkins log", "deny", "r1"],
  ["bob", null, "jenkins build", "allow", "r2"], // user beats group
  ["bob", "#prod", "jenkins build", "allow", "r2"], // user beats * in a room
  ["bob", null, "jenkins status", "allow", "r8"], // command beats plugin:*
  ["carol", null, "jenkins status", "allow", "r8"],
  ["carol", "#prod", "jenkins status", "allow", "r8"],
  // A room rule, and a group exception in that room.
  ["dave", "#prod", "jenkins build", "deny", "r3"],
  ["root", "#prod", "jenkins build", "deny", "r3"], // rules bind admins too (for non-admin commands)
  ["alice", "#prod", "jenkins build", "allow", "r4"],
  ["carol", "#prod", "jenkins build", "allow", "r4"], // ops+room beats interns everywhere
  ["dave", "#ops", "jenkins build", "allow", "no rule"],
  ["dave", null, "jenkins status", "allow", "no rule"],
  // Equally specific rules: deny wins.
  ["alice", "#ops", "jenkins build", "deny", "r9"],
  ["alice", "#ops", "jenkins status", "deny", "r9"],
  ["carol", "#ops", "jenkins log", "deny", "r9"],
  ["alice", "#prod", "jenkins log", "allow", "no rule"],
  // A rule for a command that does not exist yet applies once it does.
  ["dave", null, "deploy", "deny", "r7"],
  ["alice", "#prod", "deploy", "deny", "r7"],
  ["root", null, "deploy", "deny", "r7"],
  // Direct messages are not any room: room rules do not reach them.
  ["alice", null, "jenkins status", "allow", "no rule"],
  ["carol", null, "jenkins build", "deny", "r1"],
  ["bob", null, "echo", "allow", "no rule"],
  ["root", "#ops", "echo", "allow", "no rule"],
];

describe("ACL decisions (users × groups × rooms × rules × commands)", () => {
  it("has at least 40 cases", () => assert.ok(table.length >= 40, String(table.length)));

  for (const [who, room, command, expected, because] of table) {
    it(`${who} ${room ?? "(direct)"} !${command} → ${expected} (${because})`, () => {
      const subject: Subject = {
        userId: user(who),
        groups: new Set(groups[who]),
        isAdmin: admins.has(who),
        room,
      };
      const d = decide(subject, commands[command] as CommandRef, rules);
      assert.equal(d.allowed, expected === "allow", d.reason);
      if (because.startsWith("r")) assert.equal(d.rule?.id, because, d.reason);
      else if (because === "no rule") assert.equal(d.rule, undefined, d.reason);
      else assert.equal(d.reason, because === "admin" ? "admin" : "admins only");
    });
  }

  it("reads rules from chat words and refuses bad ones with the usage", () => {
    assert.deepEqual(parseRule("deny", "jenkins:*", "group:Interns", "room:#prod", user), {
      effect: "deny",
      target: { kind: "plugin", name: "jenkins" },
      who: { kind: "group", name: "interns" },
      room: "#prod",
    });
    assert.deepEqual(
      parseRule("allow", "!Jenkins Build", "user:@bob", undefined, (n) => user(n.replace(/^@/, ""))).who,
      {
        kind: "user",
        id: "console:bob",
      },
    );
    assert.throws(() => parseRule("permit", "x", "*", undefined, user), /Usage: `!acl allow\|deny/);
    assert.throws(() => parseRule("allow", "x", "bob", undefined, user), /"bob" is not a WHO/);
    for (const who of ["user:", "user: ", "user:\t", "group:", "group: ", "group:a b"])
      assert.throws(() => parseRule("allow", "x", who, undefined, user), /Usage: `!acl allow\|deny/, who);
    assert.throws(() => parseRule("allow", "x", "*", "prod", user), /"prod" is not room:NAME/);
  });
});
