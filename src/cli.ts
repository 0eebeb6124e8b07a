#!/usr/bin/env node
/**
 * `errand start|init|docs`. Exit codes: 0 done, 1 failed while running, 2 bad usage or configuration
 * (the message says which flag or key, and what is expected).
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { Backend } from "./backends/backend.js";
import { ConsoleBackend } from "./backends/console.js";
import { readSlackSettings, type SlackSettings } from "./backends/slack/slack-settings.js";
import { Bot } from "./bot.js";
import { renderInitConfig } from "./cli/init-config.js";
import type { ScaffoldedPlugin } from "./cli/new-plugin.js";
import { renderUsage } from "./cli/usage.js";
import { type BotConfig, loadConfig } from "./config/load-config.js";
import { configFlag } from "./config/settings.js";
import { ConfigError, isErrandError } from "./errors.js";
import { createLogger, type Logger } from "./log.js";
import { hostVersion } from "./paths.js";
import { loadCoreCatalog } from "./plugins/core-catalog.js";

class UsageExit extends Error {}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "start":
      return start(rest);
    case "init":
      return init(rest);
    case "docs":
      return docs(rest);
    case "new-plugin":
      return newPlugin(rest);
    case undefined:
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(renderUsage());
      return command === undefined ? 2 : 0;
    case "--version":
    case "-v":
      process.stdout.write(`${hostVersion}\n`);
      return 0;
    default:
      throw new UsageExit(`Unknown command "${command}". Commands: start, init, docs, new-plugin, help.`);
  }
}

async function start(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(renderUsage());
    return 0;
  }
  const config = loadConfig(argv);
  // Slack settings are checked before anything is opened: a missing token is a usage error (exit 2).
  const slack = config.backend === "slack" ? readSlackSettings(config) : null;
  const log = createLogger(config.dataDir, config.logLevel);
  const backend = slack ? await createSlackBackend(slack, log) : createConsoleBackend(config);
  const bot = await Bot.create(config, backend, log);
  if (bot.httpPort !== null) process.stdout.write(`http listening on 127.0.0.1:${bot.httpPort}\n`);
  const stop = () => void bot.stop();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  // A closed stdout (`| head`) ends the session instead of crashing it.
  process.stdout.on("error", stop);
  await bot.run();
  return 0;
}

function createConsoleBackend(config: BotConfig): Backend {
  return new ConsoleBackend({
    input: process.stdin,
    output: process.stdout,
    interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY),
    botName: config.botName,
    greeting: `Errand ${hostVersion} on the console. You are operator. Type ${config.prefix}help; /quit to leave.`,
  });
}

/** Bolt is loaded only for Slack: the console starts without paying for it. */
async function createSlackBackend(settings: SlackSettings, log: Logger): Promise<Backend> {
  const { SlackBackend } = await import("./backends/slack/slack-backend.js");
  return new SlackBackend({
    settings,
    log,
    onReady: (who) =>
      process.stdout.write(
        `slack ${who.transport === "socket" ? "connected (Socket Mode)" : "ready for HTTP events at /slack/events"} ` +
          `as @${who.name} (${who.userId}) in ${who.team}\n`,
      ),
  });
}

function init(argv: string[]): number {
  const { values } = parseStrict(argv, { config: { type: "string" }, force: { type: "boolean" } });
  const file = resolve(values.config ?? configFlag.defaultFile);
  if (existsSync(file) && !values.force) {
    throw new UsageExit(`${file} already exists; edit it, or run \`errand init --force\` to overwrite it.`);
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, renderInitConfig());
  const config = loadConfig(["--config", file]);
  mkdirSync(config.dataDir, { recursive: true });
  process.stdout.write(
    `Wrote ${file} and created ${config.dataDir}. Start with: errand start --config ${file}\n`,
  );
  return 0;
}

async function newPlugin(argv: string[]): Promise<number> {
  // Loaded for this command only (it brings semver): `errand start` should not pay for it.
  const { describeScaffold, scaffoldPlugin } = await import("./cli/new-plugin.js");
  const { positionals } = parseArgs({ args: argv, options: {}, strict: true, allowPositionals: true });
  if (positionals.length !== 1) throw new UsageExit("Usage: errand new-plugin DIR");
  let made: ScaffoldedPlugin;
  try {
    made = scaffoldPlugin(positionals[0] as string);
  } catch (err) {
    throw new UsageExit((err as Error).message);
  }
  process.stdout.write(`${describeScaffold(made)}\n`);
  return 0;
}

/** `errand docs [--out FILE] [start flags]`: core commands, and those of the plugins in --plugin-paths. */
async function docs(argv: string[]): Promise<number> {
  const outAt = argv.indexOf("--out");
  const out = outAt === -1 ? undefined : argv[outAt + 1];
  if (outAt !== -1 && !out) throw new UsageExit("--out needs a file name.");
  const config = loadConfig(outAt === -1 ? argv : [...argv.slice(0, outAt), ...argv.slice(outAt + 2)]);
  // Loaded here only: documenting plugins needs the TypeScript compiler, which `start` must not pay for.
  const { documentPluginPaths } = await import("./docs/document-plugin-paths.js");
  const { renderMarkdownReference } = await import("./docs/render-markdown.js");
  const markdown = renderMarkdownReference(
    [...loadCoreCatalog(), ...documentPluginPaths(config.pluginPaths)],
    config.prefix,
  );
  if (out) {
    writeOutFile(resolve(out), markdown);
    process.stdout.write(`Wrote ${resolve(out)}\n`);
  } else {
    process.stdout.write(markdown);
  }
  return 0;
}

/** Writes a file named on the command line; a path that cannot be written is a usage error that says why. */
function writeOutFile(file: string, text: string): void {
  try {
    writeFileSync(file, text);
  } catch (err) {
    const why = describeWriteError(file, err as NodeJS.ErrnoException);
    if (!why) throw err;
    throw new UsageExit(`Cannot write ${file}: ${why}`, { cause: err });
  }
}

function describeWriteError(file: string, err: NodeJS.ErrnoException): string | undefined {
  switch (err.code) {
    case "ENOENT":
      return `the folder ${dirname(file)} does not exist; create it first, or choose another path.`;
    case "ENOTDIR":
      return `part of ${dirname(file)} is a file, not a folder; choose another path.`;
    case "EISDIR":
      return "it is a folder; give a file name.";
    case "EACCES":
    case "EPERM":
    case "EROFS":
      return "permission denied; choose a path you may write to.";
    default:
      return undefined;
  }
}

function parseStrict<T extends Record<string, { type: "string" | "boolean" }>>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false });
  } catch (err) {
    throw new UsageExit((err as Error).message);
  }
}

async function exit(code: number): Promise<void> {
  // Let everything written to stdout reach a pipe before the process goes.
  await new Promise<void>((done) =>
    process.stdout.writableLength === 0 ? done() : process.stdout.write("", () => done()),
  );
  // End by letting the event loop drain rather than with process.exit(): isolated-vm may still be
  // tearing down an isolate that was stopped at a limit, and exiting under it crashes (SIGSEGV).
  // A handle that would keep the process alive is given a moment, then the exit is forced.
  process.exitCode = code;
  setTimeout(() => process.exit(code), 3000).unref();
}

main(process.argv.slice(2)).then(
  (code) => exit(code),
  (err: unknown) => {
    if (err instanceof UsageExit || err instanceof ConfigError) {
      process.stderr.write(`errand: ${err.message}\n`);
      return exit(2);
    }
    process.stderr.write(
      isErrandError(err) ? `errand: ${err.message}\n` : `errand: ${(err as Error)?.stack ?? err}\n`,
    );
    return exit(1);
  },
);
