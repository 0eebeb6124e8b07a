import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { packageRoot } from "../../src/paths.js";

export const cliPath = resolve(packageRoot, "bin", "errand.js");

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real `errand` bin (through its shebang, as a user would) with `input` on a pipe,
 * and resolves when it exits.
 */
export function runCli(
  args: string[],
  input: string | Buffer = "",
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
  return new Promise((done, fail) => {
    const child = spawn(cliPath, args, {
      cwd: options.cwd ?? packageRoot,
      env: { ...cleanEnv(), ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", fail);
    child.on("close", (code) =>
      done({
        code,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
      }),
    );
    child.stdin.on("error", () => {}); // the bot may exit (bad config) before reading its input
    child.stdin.end(input);
  });
}

/** The environment without ERRAND_* variables of the developer's shell. */
export function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("ERRAND_")));
}
