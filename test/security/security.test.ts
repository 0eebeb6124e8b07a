import assert from "node:assert/strict";
import { resolve } from "node:path";
import { packageRoot } from "../../src/paths.js";
import { startBot } from "../helpers/start-bot.js";
import { makeTempDir } from "../helpers/temp-dir.js";

const deployer = resolve(packageRoot, "test", "fixtures", "plugins", "deployer");
const greeter = resolve(packageRoot, "test", "fixtures", "plugins", "greeter");

describe("who may do what, from chat", function () {
  this.timeout(30_000);
  let dir: ReturnType<typeof makeTempDir>;
  let bot: Awaited<ReturnType<typeof startBot>>;
  const flags = (extra: string[] = []) => [
    "--plugin-paths",
    deployer,
    "--rate-limit-per-minute",
    "20",
    ...extra,
  ];
  const restart = async (extra: string[] = []) => {
    await bot.stop();
    bot = await startBot(dir.path, flags(extra));
  };
  beforeEach(async () => {
    dir = makeTempDir();
    bot = await startBot(dir.path, flags());
  });
  afterEach(async () => {
    await bot.stop();
    dir.remove();
  });
  const ask = (text: string, as?: string, room?: string) => bot.chat.ask(text, { as, room });

  describe("groups", () => {
    it("are managed by admins and kept across a restart", async () => {
      assert.equal(await ask("!auth add alice ops"), "console:alice is now in group ops.");
      assert.equal(await ask("!auth add @bob ops"), "console:bob is now in group ops.");
      assert.equal(await ask("!auth add alice ops"), "console:alice was already in group ops.");
      assert.equal(await ask("!auth members ops"), "Group ops: console:alice, console:bob.");
      await restart();
      assert.equal(await ask("!auth groups alice"), "console:alice is in: ops.");
      assert.equal(await ask("!auth remove alice ops"), "console:alice is no longer in group ops.");
      assert.equal(await ask("!auth groups alice"), "console:alice is in no group.");
      assert.match(
        await ask("!auth groups"),
        /console:operator is in no group \(and an admin, from the config\)/,
      );
      assert.match(await ask("!auth add alice Not_A_Group!"), /is not a group name/);
    });

    it("refuse an empty or blank user or group name with the usage, and change nothing", async () => {
      const cases: [string, RegExp][] = [
        ['!auth add "" ops', /^"" is not a user name.* Usage: `!auth add <user> <group>`/],
        ['!auth add "  " ops', /^" {2}" is not a user name.* Usage: `!auth add <user> <group>`/],
        ["!auth add @ ops", /^"@" is not a user name/],
        ["!auth add console: ops", /^"console:" is not a user name/],
        ['!auth add alice ""', /^"" is not a group name.* Usage: `!auth add <user> <group>`/],
        ['!auth add alice " "', /^" " is not a group name/],
        ['!auth remove "" ops', /^"" is not a user name.* Usage: `!auth remove <user> <group>`/],
        ['!auth remove alice ""', /^"" is not a group name.* Usage: `!auth remove <user> <group>`/],
        ['!auth groups ""', /^"" is not a user name.* Usage: `!auth groups \[user\]`/],
        ['!auth groups " "', /^" " is not a user name/],
        ['!auth members ""', /^"" is not a group name.* Usage: `!auth members <group>`/],
        ['!auth members " "', /^" " is not a group name/],
      ];
      for (const [command, reply] of cases) assert.match(await ask(command), reply, command);
      assert.equal(
        await ask("!auth groups"),
        "console:operator is in no group (and an admin, from the config).",
      );
      assert.equal(await ask("!auth members ops"), "Group ops has no members.");
    });

    it("cannot be changed by non-admins", async () => {
      assert.match(await ask("!auth add mallory admins", "mallory"), /is for admins only/);
      assert.match(await ask("!auth members ops", "mallory"), /is for admins only/);
    });
  });

  describe("ACL rules", () => {
    it("deny with a clear reply naming the rule, run nothing, and are listed and removed by id", async () => {
      await ask("!auth add alice interns");
      assert.match(
        await ask("!acl deny deployer:* group:interns"),
        /^Added rule r1: deny deployer:\* group:interns\.$/,
      );
      assert.equal(
        await ask("!deployed", "alice", "dev"),
        "You may not run `!deployed` in #dev (rule r1: deny deployer:* group:interns). Ask an admin if you need it.",
      );
      assert.equal(await ask("!deployed", "bob"), "v1 everywhere");
      assert.match(await ask("!acl list"), /r1: deny deployer:\* group:interns/);
      assert.equal(await ask("!acl remove r1"), "Removed rule r1: deny deployer:* group:interns.");
      assert.equal(await ask("!deployed", "alice"), "v1 everywhere");
      assert.match(await ask("!acl remove r1"), /No rule r1/);
    });

    it("apply per room", async () => {
      await ask("!acl deny echo * room:prod");
      assert.match(await ask("!echo hi", "bob", "prod"), /You may not run `!echo` in #prod/);
      assert.equal(await ask("!echo hi", "bob", "dev"), "hi");
      assert.equal(await ask("!echo hi", "bob"), "hi");
    });

    it("accept a rule for a command that does not exist yet, saying so, and apply it once it does", async () => {
      assert.match(
        await ask('!acl deny "jenkins build" *'),
        /no command jenkins build is installed yet; the rule applies once one is/,
      );
      assert.match(
        await ask("!acl deny deployer:* user:dave"),
        /^Added rule r2: deny deployer:\* user:console:dave\.$/,
      );
      assert.match(await ask("!acl deny greet user:dave"), /no command greet is installed yet/);
      await restart(["--plugin-paths", `${deployer},${greeter}`]);
      assert.match(await ask("!greet", "erin"), /^Hello, erin/);
      assert.match(
        await ask("!greet", "dave"),
        /You may not run `!greet` \(rule r3: deny "greet" user:console:dave\)/,
      );
    });

    it("refuse a user: or group: with an empty or blank name, and add nothing", async () => {
      for (const who of ["user:", '"user: "', "user:@", "user:console:", "group:", '"group: "']) {
        assert.match(
          await ask(`!acl allow echo ${who}`),
          /is not a WHO|is not a user name|is not a group name/,
          who,
        );
      }
      assert.match(await ask("!acl list"), /^No rules/);
    });

    it("come from the config file too, and those are not removable from chat", async () => {
      await restart(["--acl", JSON.stringify([{ effect: "deny", target: "deployed", who: "user:carol" }])]);
      assert.match(await ask("!deployed", "carol"), /rule c1: deny "deployed" user:console:carol/);
      assert.match(await ask("!acl remove c1"), /comes from the config file; change it there/);
    });

    it("hide what a user may not run from !help and !apropos", async () => {
      await ask("!acl deny deployed user:eve");
      const help = await ask("!help", "eve");
      assert.doesNotMatch(help, /!deployed/);
      assert.doesNotMatch(
        help,
        /!acl|!auth|!audit|!repos install/,
        "admin commands are hidden from non-admins",
      );
      assert.match(help, /!deploy <env>/);
      assert.doesNotMatch(await ask("!apropos deployed", "eve"), /!deployed/);
      assert.match(await ask("!help", "frank"), /!deployed/);
      assert.match(await ask("!help"), /!acl list/);
      assert.match(await ask("!help deployed", "eve"), /^You may not run `!deployed` \(rule r\d+: deny/);
      assert.match(await ask("!help acl list", "eve"), /`!acl list` is for admins only/);
      assert.match(await ask("!help deployed", "frank"), /^!deployed/);
    });

    it("cannot be added or removed by non-admins", async () => {
      assert.match(await ask("!acl allow repos:* user:mallory", "mallory"), /is for admins only/);
      assert.match(await ask("!acl list", "mallory"), /is for admins only/);
    });

    it("are checked again when a command is run from history, as the one who runs it", async () => {
      assert.equal(await ask("!deployed", "gina"), "v1 everywhere");
      await ask("!acl deny deployed user:gina");
      assert.match(await ask("!!", "gina"), /> !deployed\nYou may not run `!deployed`/);
    });

    it("bind trusted bots like users", async () => {
      await restart(["--trusted-bots", "console:ci"]);
      assert.equal(await bot.chat.ask("!deployed", { as: "ci", isBot: true }), "v1 everywhere");
      await ask("!acl deny deployed user:ci");
      assert.match(await bot.chat.ask("!deployed", { as: "ci", isBot: true }), /You may not run/);
      assert.deepEqual(await bot.chat.say("!deployed", { as: "stranger-bot", isBot: true }), []);
    });
  });

  describe("two-person approval", () => {
    beforeEach(async () => {
      await ask("!auth add rita release-managers");
      await ask("!auth add sam release-managers");
    });

    it("holds the command, says who asked what and who may approve; another member's approval runs it where it was asked", async () => {
      const held = await ask("!deploy prod", "sam", "ops");
      const id = /^Request (\w+): sam asks to run `!deploy prod`/.exec(held)?.[1];
      assert.ok(id, held);
      assert.match(
        held,
        /someone else in group release-managers approves \(rita\): `!approve \w+`, or `!deny \w+`/,
      );
      assert.match(
        await ask("!approvals", "rita"),
        new RegExp(`${id}: sam asks \`!deploy prod\` in #ops; group release-managers approves`),
      );
      assert.match(await ask(`!approve ${id}`, "sam", "ops"), /You asked for request \w+ yourself/);
      assert.match(
        await ask(`!approve ${id}`, "mallory"),
        /Only members of group release-managers may approve/,
      );
      const said = await bot.chat.say(`!approve ${id}`, { as: "rita" });
      assert.deepEqual(said, [
        { target: "@rita", text: `Approved ${id}: running \`!deploy prod\` for sam in #ops.` },
        { target: "#ops", text: "Deployed to prod for sam in #ops." },
      ]);
      assert.match(await ask(`!approve ${id}`, "rita"), /No request/, "it runs once");
      const audit = await ask("!audit 3 plugin:deployer");
      assert.match(audit, /console:sam #ops `!deploy prod` waiting \(\w+\); deployer 2\.1\.0; -/);
      assert.match(audit, /console:sam #ops `!deploy prod` approved by console:rita; deployer 2\.1\.0; ok/);
    });

    it("survives a restart, and can be denied", async () => {
      const id = /Request (\w+)/.exec(await ask("!deploy staging", "sam"))?.[1];
      await restart();
      assert.match(await ask("!approvals"), new RegExp(`${id}: sam asks`));
      assert.match(
        await ask(`!deny ${id}`, "mallory"),
        /Only members of group release-managers, the requester or an admin may deny/,
      );
      assert.match(await ask(`!deny ${id}`, "rita"), new RegExp(`Request ${id} .* was denied`));
      assert.equal(await ask("!approvals"), "No requests wait for approval.");
    });

    it("expires", async () => {
      const id = /Request (\w+)/.exec(await ask("!deploy prod", "sam"))?.[1] as string;
      // Age the stored request instead of waiting a minute: the bot reads expiry from the store.
      await bot.stop();
      const { Store } = await import("../../src/storage/store.js");
      const store = await Store.open(dir.path);
      const approvals = store.sublevel("approvals");
      const r = (await approvals.get(id)) as Record<string, unknown>;
      await approvals.put(id, { ...r, expiresAt: new Date(Date.now() - 1000).toISOString() });
      await store.close();
      bot = await startBot(dir.path, flags());
      assert.match(await ask(`!approve ${id}`, "rita"), new RegExp(`Request ${id} expired at`));
      assert.equal(await ask("!approvals"), "No requests wait for approval.");
    });

    it("runs the approved command with the requester's permissions at that time", async () => {
      const id = /Request (\w+)/.exec(await ask("!deploy prod", "sam"))?.[1];
      await ask("!acl deny deploy user:sam");
      const said = await bot.chat.say(`!approve ${id}`, { as: "rita" });
      assert.match(said.at(-1)?.text ?? "", /You may not run `!deploy`/);
    });
  });

  describe("audit", () => {
    it("records every command with decision, plugin version and outcome, secrets redacted, across restarts", async () => {
      await ask("!echo hello");
      await ask("!plugin config deployer token=hunter2");
      await ask("!acl list", "mallory", "ops");
      await restart();
      const all = await ask("!audit 10");
      assert.match(all, /console:operator `!echo hello` allowed; utils 1\.0\.0; ok; \d+ ms/);
      assert.match(all, /`!plugin config deployer token=••••••` allowed; plugins 1\.0\.0; ok/);
      assert.doesNotMatch(all, /hunter2/);
      assert.match(all, /console:mallory #ops `!acl list` refused \(admins only\); acl 1\.0\.0; -/);
      assert.match(await ask("!audit user:mallory"), /^[^\n]*mallory[^\n]*$/);
      assert.match(await ask("!audit 1"), /^[^\n]*`!audit user:mallory`[^\n]*$/, "the last one before this");
      assert.match(await ask("!audit plugin:nothing"), /No audit entries match/);
      assert.match(await ask("!audit what"), /is not N, user:NAME or plugin:NAME/);
      assert.match(await ask("!audit", "mallory"), /is for admins only/);
    });
  });

  describe("rate limit", () => {
    it("answers a flood with one message, and keeps serving others", async () => {
      const replies: string[] = [];
      for (let i = 0; i < 25; i++) replies.push(await ask(`!echo ${i}`, "flooder"));
      assert.equal(replies.filter((r) => /^\d+$/.test(r)).length, 20);
      assert.equal(replies.filter((r) => /sending commands too fast/.test(r)).length, 1);
      assert.equal(replies.filter((r) => r === "").length, 4);
      assert.equal(await ask("!echo still", "someone-else"), "still");
      assert.equal(await ask("!echo admins are not limited"), "admins are not limited");
      const audit = await ask("!audit 40 user:flooder");
      assert.equal(audit.match(/`!echo \d+` refused \(rate limit\)/g)?.length, 5, audit);
      assert.equal(audit.match(/`!echo \d+` allowed/g)?.length, 20);
    });
  });
});
