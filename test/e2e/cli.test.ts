import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../../src/paths.js";
import { cleanEnv, runCli } from "../helpers/run-cli.js";
import { makeTempDir } from "../helpers/temp-dir.js";

const lines = (...l: string[]) => `${l.join("\n")}\n`;

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

  it("new-plugin scaffolds a plugin whose own test passes, and the bot runs it", async () => {
    const pluginDir = join(dir.path, "weather");
    const made = await runCli(["new-plugin", pluginDir]);
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stdout, /Created plugin weather/);
    const test = spawnSync("npm", ["test", "--silent"], {
      cwd: pluginDir,
      env: cleanEnv(),
      encoding: "utf8",
    });
    assert.equal(test.status, 0, test.stdout + test.stderr);
    assert.match(test.stdout, /# pass 2/);
    const r = await runCli(
      ["start", "--data-dir", data, "--plugin-paths", pluginDir],
      "!hello Ada\n!help hello\n",
    );
    assert.match(
      r.stdout,
      /^Hello, Ada!\n!hello \[name\] {2}\(plugin weather\)\nGreets you, or whoever you name/,
    );
    const again = await runCli(["new-plugin", pluginDir]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /is not empty/);
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
