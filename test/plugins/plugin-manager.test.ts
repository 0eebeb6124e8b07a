import assert from "node:assert/strict";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { packageRoot } from "../../src/paths.js";
import { startHttpServer } from "../helpers/http-server.js";
import { startBot } from "../helpers/start-bot.js";
import { makeTempDir } from "../helpers/temp-dir.js";

const fixtures = resolve(packageRoot, "test", "fixtures", "plugins");

describe("sandboxed plugins, managed from chat", function () {
  this.timeout(60_000);
  let dir: ReturnType<typeof makeTempDir>;
  let pluginDir: string;
  let bot: Awaited<ReturnType<typeof startBot>>;
  const start = async (extra: string[] = []) => {
    bot = await startBot(join(dir.path, "data"), ["--plugin-paths", pluginDir, ...extra]);
  };
  const restart = async (extra: string[] = []) => {
    await bot.stop();
    await start(extra);
  };

  beforeEach(async () => {
    dir = makeTempDir();
    pluginDir = join(dir.path, "greeter");
    cpSync(join(fixtures, "greeter"), pluginDir, { recursive: true });
    await start();
  });
  afterEach(async () => {
    await bot.stop();
    dir.remove();
  });

  it("turns the exported functions into commands named and documented from TSDoc", async () => {
    assert.equal(await bot.chat.ask("!greet"), "Hello, operator.");
    assert.equal(await bot.chat.ask("!greet Bob"), "Hello, Bob.");
    const help = await bot.chat.ask("!help greeter");
    assert.match(help, /!greet \[name\] — Greets you, or someone else, with the configured greeting\./);
    assert.match(help, /!count me — /);
    assert.doesNotMatch(help, /helper|hear ping/);
    assert.match(
      await bot.chat.ask("!help show args"),
      /!show args <first> \[rest\.\.\.\][\s\S]*first: a positional argument/,
    );
  });

  it("gives arguments, options, the user and replies like a core command", async () => {
    assert.equal(
      await bot.chat.ask("!show args a b key=value"),
      'first=a\nrest=b\nargs=a,b,key=value\noptions={"key":"value"}',
    );
    assert.match(
      await bot.chat.ask("!show args"),
      /missing arguments\. Usage: `!show args <first> \[rest\.\.\.\]`/,
    );
    assert.deepEqual(await bot.chat.say("!chatty", { as: "amy", room: "dev" }), [
      { target: "#dev", text: "one" },
      { target: "#ops", text: "hello ops from amy" },
      { target: "#dev", text: "two" },
    ]);
    assert.match(
      readFileSync(join(dir.path, "data", "errand.log"), "utf8"),
      /"plugin":"greeter".*"msg":"chatty ran"/,
    );
  });

  it("runs @match listeners on chatter", async () => {
    assert.equal(await bot.chat.ask("ping", { room: "ops", as: "zed" }), "pong zed");
    assert.equal(await bot.chat.ask("ping everyone", { room: "ops" }), "pong everyone");
  });

  it("keeps each plugin's store across a restart", async () => {
    assert.equal(await bot.chat.ask("!count me"), "operator counted 1 time.");
    assert.equal(await bot.chat.ask("!count me"), "operator counted 2 times.");
    await restart();
    assert.equal(await bot.chat.ask("!count me"), "operator counted 3 times.");
    assert.equal(await bot.chat.ask("!store keys"), "count:console:operator");
  });

  it("gives the config read-only", async () => {
    assert.equal(await bot.chat.ask("!mutate config"), "greeting is Hello");
  });

  it("shows the config template and values, secrets masked", async () => {
    await bot.chat.ask("!plugin config greeter token=s3cr3t-value greeting=Hi");
    const shown = await bot.chat.ask("!plugin config greeter");
    assert.match(shown, /greeting \(string, optional\): how to greet \(default "Hello"\)/);
    assert.match(shown, /token \(string, optional, secret\): API token/);
    assert.match(shown, /greeting: Hi/);
    assert.match(shown, /token: ••••••/);
    assert.doesNotMatch(shown, /s3cr3t/);
  });

  it("applies a good config at once, from key=value and from JSON", async () => {
    assert.match(
      await bot.chat.ask("!plugin config greeter greeting=Howdy excited=yes"),
      /updated \(greeting, excited\); it is active/,
    );
    assert.equal(await bot.chat.ask("!greet Ann"), "Howdy, Ann!");
    assert.match(await bot.chat.ask('!plugin config greeter {"greeting": "Hey"}'), /replaced/);
    assert.equal(await bot.chat.ask("!greet Ann"), "Hey, Ann.");
  });

  it("refuses a bad config value naming the field, and keeps the old config in force", async () => {
    await bot.chat.ask("!plugin config greeter greeting=Hi");
    assert.match(
      await bot.chat.ask("!plugin config greeter excited=maybe"),
      /excited: must be true or false/,
    );
    assert.match(
      await bot.chat.ask("!plugin config greeter api=not-a-url"),
      /Config of greeter not accepted: api: must match format "uri"/,
    );
    assert.match(
      await bot.chat.ask("!plugin config greeter colour=red"),
      /greeter has no config key "colour"\. Keys: greeting, excited, api, token/,
    );
    assert.match(await bot.chat.ask('!plugin config greeter {"greeting": 3}'), /greeting: must be string/);
    assert.match(await bot.chat.ask("!plugin config greeter {not json"), /not valid JSON/);
    assert.equal(await bot.chat.ask("!greet"), "Hi, operator.");
  });

  it("takes secrets only in a direct message, and never shows them in history", async () => {
    assert.match(
      await bot.chat.ask("!plugin config greeter token=abc123", { room: "ops" }),
      /token is a secret: set it in a direct message/,
    );
    await bot.chat.ask("!plugin config greeter token=abc123 greeting=Yo");
    const history = await bot.chat.ask("!history");
    assert.match(history, /plugin config greeter token=•••••• greeting=Yo/);
    assert.doesNotMatch(history, /abc123/);
    assert.doesNotMatch(readFileSync(join(dir.path, "data", "errand.log"), "utf8"), /abc123/);
  });

  it("lets only admins change plugins, but anyone list them", async () => {
    assert.match(await bot.chat.ask("!plugin deactivate greeter", { as: "eve" }), /for admins only/);
    assert.match(
      await bot.chat.ask("!plugin config greeter greeting=pwned", { as: "eve" }),
      /for admins only/,
    );
    assert.match(await bot.chat.ask("!plugin list", { as: "eve" }), /greeter 1\.2\.0: active/);
    assert.doesNotMatch(await bot.chat.ask("!help", { as: "eve" }), /plugin deactivate/);
    assert.match(await bot.chat.ask("!help"), /plugin deactivate/);
  });

  it("deactivates and activates, and keeps that state across a restart", async () => {
    assert.match(await bot.chat.ask("!plugin deactivate greeter"), /greeter is deactivated/);
    assert.equal(
      await bot.chat.ask("!greet"),
      "`!greet` belongs to plugin greeter, which is inactive (deactivated by an admin). An admin runs `!plugin activate greeter`.",
    );
    await restart();
    assert.match(
      await bot.chat.ask("!status plugins"),
      /greeter 1\.2\.0: inactive \(deactivated by an admin\)/,
    );
    assert.match(await bot.chat.ask("!greet"), /belongs to plugin greeter, which is inactive/);
    assert.match(
      await bot.chat.ask("!plugin activate greeter"),
      /greeter is active\. Commands: !greet, !count me/,
    );
    await restart();
    assert.equal(await bot.chat.ask("!greet"), "Hello, operator.");
  });

  it("shows everything in !plugin info", async () => {
    await bot.chat.ask("!count me");
    const info = await bot.chat.ask("!plugin info greeter");
    assert.match(info, /^greeter 1\.2\.0: A well-behaved plugin/);
    assert.match(info, /state: active/);
    assert.match(info, new RegExp(`source: ${pluginDir.replace(/[/\\]/g, ".")}`));
    assert.match(info, /permissions: net: the host set in config key api/);
    assert.match(info, /limits: 32 MB memory, 1000 ms CPU and 3000 ms per call/);
    assert.match(info, /memory: \d+\.\d MiB; store: \d+ bytes/);
    assert.match(
      info,
      /commands: !greet, !count me, !store keys, !show args, !chatty, !call api, !mutate config/,
    );
    assert.match(info, /last error: none/);
    assert.match(await bot.chat.ask("!plugin info nope"), /No plugin called nope\. Plugins: greeter/);
  });

  it("reloads new code, keeping the activation state; broken code leaves the old version running", async () => {
    const lib = join(pluginDir, "lib", "format.ts");
    writeFileSync(lib, readFileSync(lib, "utf8").replace(/greeting\}, /, "greeting} there, "));
    assert.match(await bot.chat.ask("!plugin reload greeter"), /greeter 1\.2\.0 reloaded; it is active/);
    assert.equal(await bot.chat.ask("!greet"), "Hello there, operator.");
    writeFileSync(lib, "export function greet( {");
    assert.match(
      await bot.chat.ask("!plugin reload greeter"),
      /Plugin greeter does not build: lib\/format\.ts:1:/,
    );
    assert.equal(await bot.chat.ask("!greet"), "Hello there, operator.");
    await bot.chat.ask("!plugin deactivate greeter");
    writeFileSync(lib, readFileSync(join(fixtures, "greeter", "lib", "format.ts"), "utf8"));
    assert.match(await bot.chat.ask("!plugin reload greeter"), /it is inactive/);
  });

  it("calls the granted API with the secret from config", async () => {
    const api = await startHttpServer((req, res) =>
      res.end(`token ${req.headers["x-token"]} path ${req.url}`),
    );
    try {
      await bot.chat.ask(`!plugin config greeter api=${api.url} token=tkn`);
      assert.equal(await bot.chat.ask("!call api /status"), "200 token tkn path /status");
    } finally {
      await api.close();
    }
  });

  it("keeps config given in the config file, with chat values winning", async () => {
    await restart(["--plugins", JSON.stringify({ greeter: { greeting: "Ahoy", excited: true } })]);
    assert.equal(await bot.chat.ask("!greet"), "Ahoy, operator!");
    await bot.chat.ask("!plugin config greeter greeting=Hallo");
    assert.equal(await bot.chat.ask("!greet"), "Hallo, operator!");
    assert.match(await bot.chat.ask("!plugin config greeter"), /greeting: Hallo\n\s+excited: true/);
  });
});

describe("plugin failures and conflicts", function () {
  this.timeout(60_000);
  let dir: ReturnType<typeof makeTempDir>;
  let bot: Awaited<ReturnType<typeof startBot>>;
  afterEach(async () => {
    await bot.stop();
    dir.remove();
  });

  it("deactivates a plugin after 3 limit failures in a row and tells the admins", async () => {
    dir = makeTempDir();
    bot = await startBot(dir.path, ["--plugin-paths", join(fixtures, "hostile-loop")]);
    await bot.chat.ask("!spin");
    await bot.chat.ask("!fine");
    await bot.chat.ask("!spin");
    await bot.chat.ask("!spin");
    const said = await bot.chat.say("!spin", { as: "bob", room: "dev" });
    assert.match(
      said.find((s) => s.target === "#dev")?.text ?? "",
      /stopped: it used more than 200 ms of CPU/,
    );
    assert.match(
      said.find((s) => s.target === "@operator")?.text ?? "",
      /Plugin hostile-loop was deactivated after 3 failures in a row/,
    );
    assert.match(
      await bot.chat.ask("!fine"),
      /^`!fine` belongs to plugin hostile-loop, which is inactive \(deactivated after 3 failures.*\)\. An admin runs `!plugin activate hostile-loop`\.$/,
    );
    assert.match(
      await bot.chat.ask("!plugin list"),
      /hostile-loop 1\.0\.0: inactive \(deactivated after 3 failures/,
    );
    await bot.stop();
    bot = await startBot(dir.path, ["--plugin-paths", join(fixtures, "hostile-loop")]);
    assert.match(await bot.chat.ask("!fine"), /which is inactive/, "stays deactivated after a restart");
    assert.match(
      await bot.chat.ask("!plugin list"),
      /hostile-loop 1\.0\.0: inactive \(deactivated after 3 failures/,
      "and says why after a restart",
    );
    await bot.chat.ask("!plugin activate hostile-loop");
    assert.equal(await bot.chat.ask("!fine"), "fine");
  });

  it("refuses the second plugin that defines a command, naming both", async () => {
    dir = makeTempDir();
    const twin = join(dir.path, "twin");
    cpSync(join(fixtures, "greeter"), twin, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(twin, "plugin.json"), "utf8"));
    writeFileSync(join(twin, "plugin.json"), JSON.stringify({ ...manifest, name: "twin" }));
    bot = await startBot(join(dir.path, "data"), ["--plugin-paths", `${join(fixtures, "greeter")},${twin}`]);
    assert.match(
      await bot.chat.ask("!plugin list"),
      /twin 1\.2\.0: failed \(Command "greet" of plugin twin is already defined by plugin greeter/,
    );
    assert.match(await bot.chat.ask("!plugin activate twin"), /already defined by plugin greeter/);
    await bot.chat.ask("!plugin deactivate greeter");
    assert.match(await bot.chat.ask("!plugin activate twin"), /twin is active/);
  });

  it("refuses to activate a plugin whose @match is not a valid regular expression, naming it", async () => {
    dir = makeTempDir();
    const plugin = join(dir.path, "greeter");
    cpSync(join(fixtures, "greeter"), plugin, { recursive: true });
    const main = join(plugin, "src", "index.ts");
    writeFileSync(main, readFileSync(main, "utf8").replace("@match ^ping(?:", "@match ^ping(("));
    bot = await startBot(join(dir.path, "data"), ["--plugin-paths", plugin]);
    assert.match(
      await bot.chat.ask("!plugin list"),
      /greeter 1\.2\.0: failed \(Plugin greeter: @match \^ping\(\(\S* is not a valid regular expression\./,
    );
    assert.equal(await bot.chat.ask("!echo ok"), "ok");
  });

  it("waits for required config instead of failing, and says how to give it", async () => {
    dir = makeTempDir();
    bot = await startBot(dir.path, ["--plugin-paths", join(fixtures, "hostile-http")]);
    assert.match(
      await bot.chat.ask("!plugin list"),
      /hostile-http 1\.0\.0: needs-config \(needs config: set url with `!plugin config hostile-http url=\.\.\.`\)/,
    );
    assert.match(await bot.chat.ask("!plugin config hostile-http url=http://127.0.0.1:9"), /it is active/);
  });

  it("lists a folder that is not a plugin with the reason, and starts anyway", async () => {
    dir = makeTempDir();
    bot = await startBot(join(dir.path, "data"), ["--plugin-paths", join(dir.path, "nothing-here")]);
    assert.match(await bot.chat.ask("!plugin list"), /nothing-here: failed \(no plugin\.json in/);
    assert.equal(await bot.chat.ask("!echo ok"), "ok");
  });
});
