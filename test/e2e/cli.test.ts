import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { packageRoot } from "../../src/paths.js";
import { GitRepo } from "../helpers/git-repo.js";
import { cleanEnv, runCli } from "../helpers/run-cli.js";
import { makeTempDir } from "../helpers/temp-dir.js";

const lines = (...l: string[]) => `${l.join("\n")}\n`;
const git = (cwd: string, ...args: string[]) =>
  spawnSync("git", args, { cwd, encoding: "utf8" }).stdout.trim();

/** Git with no user.name or user.email anywhere, and no guessing one from the host. */
function gitWithoutIdentity(home: string): NodeJS.ProcessEnv {
  const empty = join(home, "empty.gitconfig");
  writeFileSync(empty, "");
  return {
    GIT_CONFIG_GLOBAL: empty,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_COUNT: "1",
    GIT_CONFIG_KEY_0: "user.useConfigOnly",
    GIT_CONFIG_VALUE_0: "true",
    GIT_AUTHOR_NAME: undefined,
    GIT_AUTHOR_EMAIL: undefined,
    GIT_COMMITTER_NAME: undefined,
    GIT_COMMITTER_EMAIL: undefined,
    EMAIL: undefined,
  };
}

describe("errand CLI (end to end, through a pipe)", function () {
  this.timeout(60_000);
  let dir: ReturnType<typeof makeTempDir>;
  let data: string;
  beforeEach(() => {
    dir = makeTempDir();
    data = join(dir.path, "data");
  });
  afterEach(() => dir.remove());

  it("prints the replies to piped commands, nothing else, and exits 0", async () => {
    const r = await runCli(["start", "--data-dir", data], lines("!echo hi", "!whoami"));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      "hi\nuser: operator\nid: console:operator\nbackend: console\nadmin: yes\nwhere: direct message\n",
    );
    assert.equal(r.stderr, "");
  });

  it("follows /as, /room, /dm, /bot and /quit, and shows where off-conversation messages go", async () => {
    const r = await runCli(
      ["start", "--data-dir", data, "--trusted-bots", "console:ci"],
      lines(
        "/as bob",
        "!whoami",
        "/room ops",
        "echo unprefixed chatter is not a command",
        "!echo in ops",
        "@errand echo by mention",
        "/dm",
        "echo direct without prefix",
        "/bot spam",
        "!echo ignored bot",
        "/bot ci",
        "!echo trusted bot",
        "/as",
        "/nonsense",
        "/quit",
        "!echo after quit",
      ),
    );
    assert.equal(r.code, 0, r.stderr);
    const out = r.stdout.split("\n");
    assert.deepEqual(out.slice(0, 5), [
      "user: bob",
      "id: console:bob",
      "backend: console",
      "admin: no",
      "where: direct message",
    ]);
    assert.deepEqual(out.slice(5), [
      "in ops",
      "by mention",
      "direct without prefix",
      "trusted bot",
      '/as needs a user name made of letters, digits, "_", "." or "-": /as NAME',
      "Unknown console command /nonsense. Console commands: /as NAME, /room NAME, /dm, /bot NAME, /quit.",
      "",
    ]);
  });

  it("survives bad input: huge lines, binary garbage, unmatched quotes, blank lines, CRLF", async () => {
    const garbage = Buffer.from(
      Array.from({ length: 2000 }, (_, i) => (i * 131 + 7) % 256).filter((b) => b !== 10),
    );
    const input = Buffer.concat([
      Buffer.from(`!echo ${"x".repeat(200_000)}\n\n   \n`),
      garbage,
      Buffer.from(
        '\n!echo "unmatched quote\n!echo crlf\r\n\u0000\u0007\n!echo \u001b[31mred\n!echo still alive\n',
      ),
    ]);
    const r = await runCli(["start", "--data-dir", data], input);
    assert.equal(r.code, 0, r.stderr);
    const out = r.stdout.split("\n");
    assert.match(out[0] ?? "", /That message is 200005 characters long; commands are limited to 40000/);
    assert.ok(out.includes('"unmatched quote'), r.stdout);
    assert.ok(out.includes("crlf"), r.stdout);
    assert.ok(out.includes("still alive"), r.stdout);
    assert.ok(!r.stdout.includes("\u001b"), "no escape sequence reaches the terminal");
    assert.ok(out.includes("\ufffd[31mred"), r.stdout);
  });

  it("keeps history across a restart on the same data dir", async () => {
    const first = await runCli(
      ["start", "--data-dir", data],
      lines("!echo remembered", "/as bob", "!echo bob's"),
    );
    assert.equal(first.code, 0, first.stderr);
    const second = await runCli(["start", "--data-dir", data], lines("!history", "!! 1"));
    assert.equal(second.code, 0, second.stderr);
    assert.equal(
      second.stdout,
      lines(
        "Your last 2 commands (`!! N` runs one again):",
        "  1  !echo remembered",
        "  2  !history",
        "> !echo remembered",
        "remembered",
      ),
    );
  });

  it("answers an unknown command with 'did you mean'", async () => {
    const r = await runCli(["start", "--data-dir", data], lines("!ehco hi", "!histroy"));
    assert.equal(
      r.stdout,
      lines(
        "I don't know `!ehco`. Did you mean `!echo`?",
        "I don't know `!histroy`. Did you mean `!history`?",
      ),
    );
  });

  it("stops with exit 2 and names the problem on bad configuration", async () => {
    const cases: [string[], NodeJS.ProcessEnv, RegExp][] = [
      [["--prefix", "a b"], {}, /--prefix/],
      [["--backend", "irc"], {}, /--backend.*console/],
      [["--bogus"], {}, /--bogus/],
      [["--config", join(dir.path, "missing.json")], {}, /missing\.json/],
      [[], { ERRAND_LOG_LEVEL: "loud" }, /ERRAND_LOG_LEVEL.*error, warn, info or debug/],
      [[], { ERRAND_PREFX: "?" }, /Unknown environment variable ERRAND_PREFX/],
    ];
    for (const [flags, env, message] of cases) {
      const r = await runCli(["start", "--data-dir", data, ...flags], "!echo never\n", { env });
      assert.equal(r.code, 2, `${flags.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, "");
    }
  });

  it("refuses an unknown subcommand with exit 2", async () => {
    const r = await runCli(["strat"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Unknown command "strat"/);
  });

  it("init writes a commented config that start then reads", async () => {
    const init = await runCli(["init"], "", { cwd: dir.path });
    assert.equal(init.code, 0, init.stderr);
    const text = readFileSync(join(dir.path, "errand.config.json"), "utf8");
    assert.match(text, /^\/\/ Errand configuration/);
    assert.match(text, /Flag --data-dir, environment ERRAND_DATA_DIR/);
    assert.ok(existsSync(data));
    const again = await runCli(["init"], "", { cwd: dir.path });
    assert.equal(again.code, 2);
    assert.match(again.stderr, /already exists/);
    const start = await runCli(["start"], "!echo configured\n", { cwd: dir.path });
    assert.equal(start.stdout, "configured\n");
    assert.ok(existsSync(join(data, "db")), "the data dir of the config file is used");
  });

  it("docs writes the Markdown reference of every command", async () => {
    const r = await runCli(["docs"]);
    assert.equal(r.code, 0, r.stderr);
    for (const heading of ["## help", "## health", "## history", "## utils"])
      assert.ok(r.stdout.includes(heading), heading);
    assert.match(r.stdout, /### `!echo \[text\.\.\.\]`\n\nRepeats your text back, exactly as you typed it\./);
    assert.match(r.stdout, /- `count` \(optional\): how many to show/);
    const out = join(dir.path, "COMMANDS.md");
    const toFile = await runCli(["docs", "--out", out]);
    assert.equal(toFile.code, 0);
    assert.equal(readFileSync(out, "utf8"), r.stdout);
  });

  it("docs --out into a folder that does not exist says so in one line, with exit 2", async () => {
    const out = join(dir.path, "no-such-folder", "COMMANDS.md");
    const r = await runCli(["docs", "--out", out]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stdout, "");
    assert.match(
      r.stderr,
      /^errand: Cannot write .*COMMANDS\.md: the folder .*no-such-folder does not exist/,
    );
    assert.equal(r.stderr.split("\n").length, 2, `one line: ${r.stderr}`);
    assert.ok(!existsSync(out));
  });

  it("docs includes the commands of plugins in --plugin-paths", async () => {
    const r = await runCli(["docs", "--plugin-paths", join(packageRoot, "repos", "hello")]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /## hello\n\nGreets people/);
    assert.match(r.stdout, /### `!hello \[name\]`/);
    assert.match(r.stdout, /### Listens for `\/\^good \(morning\|afternoon\|evening\)\\b\/`/);
  });

  it("new-plugin scaffolds a committed plugin repo whose own test passes, and the bot installs it from git", async () => {
    const pluginDir = join(dir.path, "weather");
    const made = await runCli(["new-plugin", pluginDir]);
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stdout, /Created plugin weather .*: a git repo with a first commit\./);
    assert.match(made.stdout, new RegExp(`!repos install ${pathToFileURL(pluginDir).href}`));
    assert.equal(git(pluginDir, "rev-list", "--count", "HEAD"), "1");
    assert.equal(git(pluginDir, "status", "--porcelain"), "", "everything but node_modules is committed");
    const test = spawnSync("npm", ["test", "--silent"], {
      cwd: pluginDir,
      env: cleanEnv(),
      encoding: "utf8",
    });
    assert.equal(test.status, 0, test.stdout + test.stderr);
    assert.match(test.stdout, /# pass 2/);
    const r = await runCli(
      ["start", "--data-dir", data],
      `!repos install ${pathToFileURL(pluginDir).href}\n!weather Ada\n!help weather\n`,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^Installed weather at \w{7} \([^)]+\)\.\nweather 0\.1\.0 is active\. New commands: !weather\./,
    );
    assert.match(
      r.stdout,
      /\nHello, Ada!\n!weather \[name\] {2}\(plugin weather\)\nGreets you, or whoever you name/,
    );
    const again = await runCli(["new-plugin", pluginDir]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /is not empty/);
  });

  it("new-plugin takes errand from this checkout, as the README's 'Writing a plugin' tells authors to", async () => {
    const pluginDir = join(dir.path, "weather");
    assert.equal((await runCli(["new-plugin", pluginDir])).code, 0);
    const pkg = JSON.parse(readFileSync(join(pluginDir, "package.json"), "utf8"));
    assert.equal(pkg.devDependencies.errand, `file:${packageRoot}`);
    const readme = readFileSync(join(packageRoot, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("### Writing a plugin"), readme.indexOf("## Automation"));
    assert.match(section, /`errand` package is not published on npm/);
    assert.match(section, /"errand": "file:\/path\/to\/errand"/);
    assert.match(section, /npm install --save-dev \/path\/to\/errand/);
  });

  it("new-plugin names the example command after the plugin, so it does not clash with !hello or a built-in", async () => {
    const weather = join(dir.path, "weather");
    const echo = join(dir.path, "errand-plugin-echo");
    for (const target of [weather, echo]) assert.equal((await runCli(["new-plugin", target])).code, 0);
    const r = await runCli(
      [
        "start",
        "--data-dir",
        data,
        "--plugin-paths",
        [weather, echo, join(packageRoot, "repos", "hello")].join(","),
      ],
      "!hello Ada\n!weather Bob\n!my-echo Cy\n!echo hi\n",
    );
    assert.equal(r.stdout, "Hello, Ada!\nHello, Bob!\nHello, Cy!\nhi\n", r.stderr);
  });

  it("new-plugin makes the repo but skips the commit, saying why, when git knows no author", async () => {
    const pluginDir = join(dir.path, "anonymous");
    const made = await runCli(["new-plugin", pluginDir], "", { env: gitWithoutIdentity(dir.path) });
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stdout, /a git repo, not committed: git does not know who you are/);
    assert.match(made.stdout, /git config --global user\.email/);
    assert.ok(existsSync(join(pluginDir, ".git")));
    assert.equal(spawnSync("git", ["rev-parse", "--verify", "HEAD"], { cwd: pluginDir }).status, 128);
  });

  it("new-plugin still scaffolds when git is not installed, and says what to do", async () => {
    const bin = join(dir.path, "bin");
    mkdirSync(bin);
    symlinkSync(process.execPath, join(bin, "node"));
    const pluginDir = join(dir.path, "nogit");
    const made = await runCli(["new-plugin", pluginDir], "", { env: { PATH: bin } });
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stdout, /not a git repo: git is not installed/);
    assert.ok(existsSync(join(pluginDir, "plugin.json")));
    assert.ok(!existsSync(join(pluginDir, ".git")));
  });

  it("new-plugin inside another git repo does not nest a repo there", async () => {
    const outer = new GitRepo(join(dir.path, "ops-tools"));
    outer.commit("Start", { "README.md": "ops tools\n" });
    const pluginDir = join(outer.dir, "plugins", "deploy");
    const made = await runCli(["new-plugin", pluginDir]);
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stdout, /inside the git repo .*ops-tools; commit it there/);
    assert.ok(!existsSync(join(pluginDir, ".git")));
  });

  it("prints the HTTP port it picked for --http-port 0, and /healthz answers there", async () => {
    const child = spawn(
      join(packageRoot, "bin", "errand.js"),
      ["start", "--data-dir", data, "--http-port", "0"],
      {
        env: cleanEnv(),
        stdio: ["pipe", "pipe", "pipe"],
      },
    );
    try {
      const line = await new Promise<string>((ok) =>
        child.stdout.once("data", (b: Buffer) => ok(b.toString())),
      );
      const port = /^http listening on 127\.0\.0\.1:(\d+)\n/.exec(line)?.[1];
      assert.ok(port, line);
      const health = (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as { status: string };
      assert.equal(health.status, "ok");
    } finally {
      child.stdin.end();
      await new Promise((ok) => child.once("close", ok));
    }
  });

  it("refuses to share a data dir with a running bot", async () => {
    const child = spawn(join(packageRoot, "bin", "errand.js"), ["start", "--data-dir", data], {
      env: cleanEnv(),
      stdio: ["pipe", "pipe", "pipe"],
    });
    try {
      child.stdin.write("!echo up\n");
      await new Promise<void>((ok) => child.stdout.once("data", () => ok()));
      const r = await runCli(["start", "--data-dir", data], "!echo second\n");
      assert.equal(r.code, 1);
      assert.match(r.stderr, /in use by another Errand/);
    } finally {
      child.stdin.end();
      await new Promise((ok) => child.once("close", ok));
    }
  });

  it("runs as the README says: printf ... | npm start --silent -- --data-dir DIR", async () => {
    const r = await new Promise<{ code: number | null; stdout: string }>((done) => {
      const child = spawn("npm", ["start", "--silent", "--", "--data-dir", data], {
        cwd: packageRoot,
        env: cleanEnv(),
      });
      let stdout = "";
      child.stdout.on("data", (b: Buffer) => {
        stdout += b.toString();
      });
      child.on("close", (code) => done({ code, stdout }));
      child.stdin.end("!echo hi\n!uptime\n");
    });
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^hi\nUp \d+s, since /);
  });
});
