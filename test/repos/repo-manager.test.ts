import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { GitRepo, pluginFiles } from "../helpers/git-repo.js";
import { startHttpServer } from "../helpers/http-server.js";
import { startBot } from "../helpers/start-bot.js";
import { makeTempDir } from "../helpers/temp-dir.js";

describe("plugin repos from git", function () {
  this.timeout(60_000);
  let dir: ReturnType<typeof makeTempDir>;
  let data: string;
  let bot: Awaited<ReturnType<typeof startBot>>;
  let repo: GitRepo;
  let catalogue: string;
  const start = async (extra: string[] = []) => {
    bot = await startBot(data, ["--catalogues", catalogue, ...extra]);
  };
  const restart = async () => {
    await bot.stop();
    await start();
  };
  const repoDirs = () => readdirSync(join(data, "repos"));

  beforeEach(async () => {
    dir = makeTempDir();
    data = join(dir.path, "data");
    repo = new GitRepo(join(dir.path, "src", "weather"));
    repo.commit("First version", pluginFiles("weather", "sunny"));
    catalogue = join(dir.path, "catalogue.json");
    writeFileSync(
      catalogue,
      JSON.stringify({
        repos: [{ name: "weather", description: "Forecasts in chat", url: repo.url, commands: ["weather"] }],
      }),
    );
    await start();
  });
  afterEach(async () => {
    await bot.stop();
    dir.remove();
  });

  it("installs from a git URL, pinned to the default branch's commit, active at once, listing its commands", async () => {
    const reply = await bot.chat.ask(`!repos install ${repo.url}`);
    assert.equal(
      reply,
      `Installed weather at ${repo.head().slice(0, 7)} (main).\nweather 1.0.0 is active. New commands: !weather.`,
    );
    assert.equal(await bot.chat.ask("!weather"), "sunny");
    assert.match(
      await bot.chat.ask("!repos"),
      new RegExp(`weather ${repo.head().slice(0, 7)} \\(main\\): weather 1\\.0\\.0: active`),
    );
    assert.deepEqual(repoDirs(), [`weather@${repo.head().slice(0, 7)}`]);
  });

  it("installs at a tag, and a tag that did not move has nothing new", async () => {
    const v1 = repo.head();
    repo.tag("v1.0.0");
    repo.commit("Rain", pluginFiles("weather", "rainy"));
    assert.match(
      await bot.chat.ask(`!repos install ${repo.url} v1.0.0`),
      new RegExp(`at ${v1.slice(0, 7)} \\(v1\\.0\\.0\\)`),
    );
    assert.equal(await bot.chat.ask("!weather"), "sunny");
    assert.match(await bot.chat.ask("!repos update weather"), /weather is up to date/);
  });

  it("installs at a branch or a commit", async () => {
    const first = repo.head();
    repo.checkout("beta", true);
    repo.commit("Beta", pluginFiles("weather", "beta weather"));
    repo.checkout("main");
    await bot.chat.ask(`!repos install ${repo.url} beta`);
    assert.equal(await bot.chat.ask("!weather"), "beta weather");
    await bot.chat.ask("!repos uninstall weather");
    assert.match(
      await bot.chat.ask(`!repos install ${repo.url} ${first.slice(0, 10)}`),
      new RegExp(`at ${first.slice(0, 7)}`),
    );
    assert.equal(await bot.chat.ask("!weather"), "sunny");
  });

  it("installs by name from a catalogue, and searches catalogues", async () => {
    assert.match(await bot.chat.ask("!repos search forecast"), /weather: Forecasts in chat \(!weather\)/);
    assert.match(
      await bot.chat.ask("!repos search hello"),
      /hello: The example plugin/,
      "repos/index.json is always searched",
    );
    assert.match(await bot.chat.ask("!repos search zzz"), /No repo in the catalogues matches "zzz"/);
    assert.match(await bot.chat.ask("!repos install weather"), /Installed weather/);
    assert.equal(await bot.chat.ask("!weather"), "sunny");
  });

  it("installs the first-party hello from repos/index.json, out of this checkout", async () => {
    const reply = await bot.chat.ask("!repos install hello");
    assert.match(
      reply,
      /^Installed hello at \w{7} \([^)\s]+\)\.\nhello 1\.0\.0 is active\. New commands: !greetings, !hello\./,
    );
    assert.equal(await bot.chat.ask("!hello Ada"), "Hello, Ada!");
  });

  it("installs a repo with two plugins, named after its URL", async () => {
    const multi = new GitRepo(join(dir.path, "src", "ops-tools.git"));
    multi.commit("Two plugins", {
      ...pluginFiles("deploy", "deploying", { dir: "deploy" }),
      ...pluginFiles("rollback", "rolling back", { dir: "rollback" }),
      "README.md": "two plugins",
    });
    const reply = await bot.chat.ask(`!repos install ${multi.url}`);
    assert.match(reply, /^Installed ops-tools at/);
    assert.match(reply, /deploy 1\.0\.0 is active\. New commands: !deploy\./);
    assert.match(reply, /rollback 1\.0\.0 is active\. New commands: !rollback\./);
    assert.equal(await bot.chat.ask("!rollback"), "rolling back");
  });

  it("keeps a plugin that asks for permissions inactive until an admin approves", async () => {
    const net = new GitRepo(join(dir.path, "src", "status"));
    net.commit(
      "Needs net",
      pluginFiles("statuspage", "all green", {
        permissions: { net: ["status.example.com"], schedule: true },
      }),
    );
    const reply = await bot.chat.ask(`!repos install ${net.url}`);
    assert.match(
      reply,
      /statuspage 1\.0\.0 asks for: net: status\.example\.com; schedule: run timers\. It stays inactive until an admin runs `!repos approve statuspage`/,
    );
    assert.match(await bot.chat.ask("!statuspage"), /I don't know/);
    assert.match(
      await bot.chat.ask("!plugin activate statuspage"),
      /waiting for approval of: net: status\.example\.com/,
    );
    assert.match(await bot.chat.ask("!repos approve statuspage", { as: "eve" }), /for admins only/);
    assert.match(
      await bot.chat.ask("!repos approve statuspage"),
      /Approved statuspage .*\nstatuspage 1\.0\.0 is active; commands: !statuspage\./,
    );
    assert.equal(await bot.chat.ask("!statuspage"), "all green");
    await restart();
    assert.equal(await bot.chat.ask("!statuspage"), "all green", "the approval is kept");
  });

  it("updates: lists the commits it brings and runs the new version, keeping store and config", async () => {
    await bot.chat.ask(`!repos install ${repo.url}`);
    await bot.chat.ask("!plugin config weather url=https://weather.example");
    assert.match(await bot.chat.ask("!repos update weather"), /weather is up to date/);
    const from = repo.head();
    repo.commit("Add clouds", pluginFiles("weather", "cloudy"));
    repo.commit("Make it windy", pluginFiles("weather", "windy", { version: "1.1.0" }));
    const reply = await bot.chat.ask("!repos update");
    assert.match(
      reply,
      new RegExp(
        `weather: ${from.slice(0, 7)} → ${repo.head().slice(0, 7)}, 2 commits:\\n  \\w+ Make it windy\\n  \\w+ Add clouds\\nweather 1\\.1\\.0 is active`,
      ),
    );
    assert.equal(await bot.chat.ask("!weather"), "windy");
    assert.match(await bot.chat.ask("!plugin config weather"), /url: https:\/\/weather\.example/);
    assert.deepEqual(repoDirs(), [`weather@${repo.head().slice(0, 7)}`], "the old checkout is gone");
  });

  it("keeps the old version running when the update is broken, and says why", async () => {
    await bot.chat.ask(`!repos install ${repo.url}`);
    repo.commit("Oops", { "index.ts": "/** Broken. */\nexport function broken() {\n  return (;\n}\n" });
    assert.match(
      await bot.chat.ask("!repos update weather"),
      /weather: update failed: Plugin weather does not build: index\.ts:3: Unexpected ";"\. The running version stays\./,
    );
    assert.equal(await bot.chat.ask("!weather"), "sunny");
    repo.commit("Needs a newer host", pluginFiles("weather", "future", { errand: "^9.0.0" }));
    assert.match(
      await bot.chat.ask("!repos update weather"),
      /needs Errand \^9\.0\.0, but this is Errand 1\.\d+\.\d+/,
    );
    assert.equal(await bot.chat.ask("!weather"), "sunny");
    assert.equal(repoDirs().length, 1);
  });

  it("holds an update that asks for more permissions until it is approved", async () => {
    await bot.chat.ask(`!repos install ${repo.url}`);
    repo.commit(
      "Fetch real data",
      pluginFiles("weather", "live data", { permissions: { net: ["api.weather.example"] } }),
    );
    const reply = await bot.chat.ask("!repos update weather");
    assert.match(
      reply,
      /1 commit:\n {2}\w+ Fetch real data\nThe new version asks for more: weather: net: api\.weather\.example\. The running version stays until an admin runs `!repos approve weather`\./,
    );
    assert.equal(await bot.chat.ask("!weather"), "sunny");
    assert.match(await bot.chat.ask("!repos"), /update to \w+ waits for approval/);
    await restart();
    assert.equal(await bot.chat.ask("!weather"), "sunny", "still the old version after a restart");
    assert.match(await bot.chat.ask("!repos approve weather"), /Approved weather/);
    assert.equal(await bot.chat.ask("!weather"), "live data");
  });

  it("uninstalls: commands gone, files removed, config and store saved to a backup first", async () => {
    await bot.chat.ask(`!repos install ${repo.url}`);
    await bot.chat.ask("!plugin config weather url=https://x.example");
    await bot.chat.ask("!weather");
    const reply = await bot.chat.ask("!repos uninstall weather");
    const backup = /saved to (\S+)\.$/.exec(reply)?.[1];
    assert.ok(backup && existsSync(backup), reply);
    const saved = JSON.parse(readFileSync(backup, "utf8"));
    assert.equal(saved.plugins.weather.config.url, "https://x.example");
    assert.equal(saved.plugins.weather.store.last, "sunny");
    assert.match(await bot.chat.ask("!weather"), /I don't know/);
    assert.deepEqual(repoDirs(), []);
    assert.match(await bot.chat.ask("!repos"), /No repos installed/);
    assert.match(
      await bot.chat.ask(`!repos install ${repo.url}`),
      /Installed weather/,
      "installing again works",
    );
    assert.doesNotMatch(
      await bot.chat.ask("!plugin config weather"),
      /x\.example/,
      "a reinstall starts fresh",
    );
  });

  it("refuses an update that brings a plugin named like another repo's or a built-in one", async () => {
    await bot.chat.ask(`!repos install ${repo.url}`);
    await bot.chat.ask("!plugin config weather url=https://secret.example");
    const evil = new GitRepo(join(dir.path, "src", "tools"));
    evil.commit("Harmless", pluginFiles("harmless", "hi", { dir: "harmless" }));
    assert.match(await bot.chat.ask(`!repos install ${evil.url}`), /harmless 1\.0\.0 is active/);
    evil.commit("Sneak", pluginFiles("weather", "stolen", { dir: "sneak", command: "leak" }));
    const taken = await bot.chat.ask("!repos update harmless");
    assert.match(taken, /weather is already installed from repo weather/);
    assert.match(taken, /The running version stays\.$/);
    assert.equal(await bot.chat.ask("!weather"), "sunny");
    assert.match(await bot.chat.ask("!leak"), /I don't know `!leak`/);
    evil.commit("Shadow a built-in", {
      ...pluginFiles("utils", "x", { dir: "utils", command: "shadow" }),
      "sneak/plugin.json": null,
      "sneak/index.ts": null,
    });
    assert.match(await bot.chat.ask("!repos update harmless"), /utils is the name of a built-in plugin/);
    assert.equal(await bot.chat.ask("!echo still mine"), "still mine");
    await restart();
    assert.equal(await bot.chat.ask("!weather"), "sunny");
    assert.match(await bot.chat.ask("!plugin config weather"), /url: https:\/\/secret\.example/);
  });

  it("refuses to install a plugin named like a built-in one", async () => {
    const shadow = new GitRepo(join(dir.path, "src", "help"));
    shadow.commit("Help", pluginFiles("help", "no help"));
    assert.match(
      await bot.chat.ask(`!repos install ${shadow.url}`),
      /help is the name of a built-in plugin; rename the plugin in its plugin\.json/,
    );
    assert.match(await bot.chat.ask("!help echo"), /echo/);
  });

  it("says why an installed plugin failed to load after a restart", async () => {
    await bot.chat.ask(`!repos install ${repo.url}`);
    await bot.stop();
    const manifest = join(data, "repos", repoDirs()[0] as string, "plugin.json");
    writeFileSync(manifest, readFileSync(manifest, "utf8").replace('"^1.0.0"', '">=9.0.0"'));
    await start();
    const why = /failed \((.*needs.*>=9\.0\.0.*1\.0\.0.*)\)/;
    assert.match(await bot.chat.ask("!repos"), why);
    assert.match(await bot.chat.ask("!plugin list"), why);
    assert.match(await bot.chat.ask("!plugin info weather"), /^weather: failed, [\s\S]*why: .*>=9\.0\.0/);
    await bot.chat.ask("!repos uninstall weather");
    assert.doesNotMatch(await bot.chat.ask("!plugin list"), /weather/);
  });

  it("comes back after a restart at its pinned commit, with its state", async () => {
    await bot.chat.ask(`!repos install ${repo.url}`);
    const pinned = repo.head();
    repo.commit("Newer", pluginFiles("weather", "newer"));
    await bot.chat.ask("!plugin deactivate weather");
    await restart();
    assert.match(
      await bot.chat.ask("!repos"),
      new RegExp(`weather ${pinned.slice(0, 7)} \\(main\\): weather 1\\.0\\.0: inactive`),
    );
    await bot.chat.ask("!plugin activate weather");
    assert.equal(await bot.chat.ask("!weather"), "sunny");
  });

  it("refuses what is not installable with a clear reply, leaving nothing behind", async () => {
    assert.match(
      await bot.chat.ask(`!repos install file://${dir.path}/nowhere.git`),
      /Could not clone file:\/\/.*nowhere\.git: .*Check the URL/,
    );
    const empty = new GitRepo(join(dir.path, "src", "not-a-plugin"));
    empty.commit("Just a readme", { "README.md": "hi" });
    assert.match(
      await bot.chat.ask(`!repos install ${empty.url}`),
      /is not a plugin repo: there is no plugin\.json at its root or in its sub-folders/,
    );
    const future = new GitRepo(join(dir.path, "src", "future"));
    future.commit("Future", pluginFiles("future", "x", { errand: ">=9" }));
    assert.match(
      await bot.chat.ask(`!repos install ${future.url}`),
      /Plugin future 1\.0\.0 needs Errand >=9, but this is Errand 1\./,
    );
    assert.match(
      await bot.chat.ask(`!repos install ${repo.url} no-such-branch`),
      /no branch, tag or commit called "no-such-branch"/,
    );
    assert.match(
      await bot.chat.ask("!repos install nonexistent-name"),
      /No repo called "nonexistent-name" in the catalogues/,
    );
    assert.match(await bot.chat.ask('!repos install "ext::sh -c touch /tmp/pwned"'), /No repo called/);
    assert.deepEqual(repoDirs(), []);
    await bot.chat.ask(`!repos install ${repo.url}`);
    assert.match(
      await bot.chat.ask(`!repos install ${repo.url}`),
      /weather is installed already; `!repos update weather`/,
    );
  });

  it("keeps install by URL working when no catalogue can be read", async () => {
    await bot.stop();
    bot = await startBot(data, ["--catalogues", join(dir.path, "missing.json")]);
    const search = await bot.chat.ask("!repos search weather");
    assert.match(search, /Could not read: .*missing\.json: cannot be read \(ENOENT\)/);
    assert.match(
      await bot.chat.ask("!repos install weather"),
      /No repo called "weather".*missing\.json.*Install by git URL instead/,
    );
    assert.match(await bot.chat.ask(`!repos install ${repo.url}`), /Installed weather/);
  });

  it("reads a catalogue over HTTP", async () => {
    const server = await startHttpServer((_req, res) =>
      res.setHeader("content-type", "application/json").end(
        JSON.stringify({
          repos: [{ name: "remote-weather", description: "From afar", url: repo.url, commands: ["weather"] }],
        }),
      ),
    );
    try {
      await bot.stop();
      bot = await startBot(data, ["--catalogues", `${server.url}/index.json`]);
      assert.match(await bot.chat.ask("!repos search afar"), /remote-weather: From afar/);
      assert.match(await bot.chat.ask("!repos install remote-weather"), /Installed remote-weather/);
    } finally {
      await server.close();
    }
  });

  it("runs two repos commands on the same repo one after the other", async () => {
    const [installed, updated] = await Promise.all([
      bot.chat.ask(`!repos install ${repo.url}`),
      bot.chat.ask("!repos update weather", { as: "operator", room: "ops" }),
    ]);
    assert.match(installed, /Installed weather/);
    assert.match(updated, /weather is up to date/, "the update waited for the install");
  });

  it("lets everyone list and search, and only admins change repos", async () => {
    for (const cmd of [
      `!repos install ${repo.url}`,
      "!repos update",
      "!repos uninstall weather",
      "!repos approve weather",
    ]) {
      assert.match(await bot.chat.ask(cmd, { as: "mallory" }), /for admins only/, cmd);
    }
    assert.match(await bot.chat.ask("!repos", { as: "mallory" }), /No repos installed/);
    assert.match(await bot.chat.ask("!repos search weather", { as: "mallory" }), /weather: Forecasts/);
  });

  it("installs pure-JS npm dependencies without scripts, and refuses native ones", async () => {
    const withDeps = new GitRepo(join(dir.path, "src", "shout"));
    withDeps.commit("Uses a dependency", {
      "plugin.json": JSON.stringify({
        name: "shout",
        version: "1.0.0",
        description: "Shouts",
        main: "index.ts",
        errand: "^1.0.0",
      }),
      "index.ts":
        'import up from "upper-lib";\n/**\n * Shouts.\n * @param text - what\n */\nexport function shout(_ctx: unknown, text: string): string {\n  return up(text);\n}\n',
      "package.json": JSON.stringify({
        name: "shout",
        version: "1.0.0",
        dependencies: { "upper-lib": "file:./vendor/upper-lib" },
      }),
      "vendor/upper-lib/package.json": JSON.stringify({
        name: "upper-lib",
        version: "1.0.0",
        main: "index.js",
        scripts: { install: "touch INSTALL_SCRIPT_RAN" },
      }),
      "vendor/upper-lib/index.js": "module.exports = (s) => s.toUpperCase() + '!';",
    });
    assert.match(await bot.chat.ask(`!repos install ${withDeps.url}`), /shout 1\.0\.0 is active/);
    assert.equal(await bot.chat.ask("!shout hey"), "HEY!");
    const checkout = join(data, "repos", repoDirs().find((d) => d.startsWith("shout@")) as string);
    assert.ok(
      !existsSync(join(checkout, "vendor", "upper-lib", "INSTALL_SCRIPT_RAN")),
      "install scripts do not run",
    );
    const native = new GitRepo(join(dir.path, "src", "native"));
    native.commit("Native dep", {
      "plugin.json": JSON.stringify({
        name: "native",
        version: "1.0.0",
        description: "Native",
        main: "index.ts",
        errand: "^1.0.0",
      }),
      "index.ts": "/** Nothing. */\nexport function nothing(): string {\n  return '';\n}\n",
      "package.json": JSON.stringify({
        name: "native",
        version: "1.0.0",
        dependencies: { "fast-thing": "file:./vendor/fast-thing" },
      }),
      "vendor/fast-thing/package.json": JSON.stringify({
        name: "fast-thing",
        version: "1.0.0",
        gypfile: true,
      }),
      "vendor/fast-thing/binding.gyp": "{}",
    });
    assert.match(
      await bot.chat.ask(`!repos install ${native.url}`),
      /Plugin native depends on fast-thing \(binding\.gyp\), a native module/,
    );
    assert.equal(repoDirs().filter((d) => d.startsWith("native")).length, 0);
  });
});
