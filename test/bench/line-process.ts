import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";

/**
 * A child process spoken to line by line: `send` writes a line, `nextLines(n)` waits for n lines.
 * The same harness drives the bare loop and the bot, so their figures compare.
 */
export class LineProcess {
  readonly child: ChildProcessWithoutNullStreams;
  #buffer = "";
  #lines: string[] = [];
  #waiter: { count: number; resolve: (lines: string[]) => void } | undefined;

  constructor(command: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
    this.child = spawn(command, args, { env, stdio: ["pipe", "pipe", "pipe"] });
    this.child.stdout.setEncoding("utf8");
    this.child.stdout.on("data", (chunk: string) => {
      this.#buffer += chunk;
      let nl = this.#buffer.indexOf("\n");
      while (nl !== -1) {
        this.#lines.push(this.#buffer.slice(0, nl));
        this.#buffer = this.#buffer.slice(nl + 1);
        nl = this.#buffer.indexOf("\n");
      }
      this.#wake();
    });
  }

  send(text: string): void {
    this.child.stdin.write(text);
  }

  nextLines(count: number): Promise<string[]> {
    return new Promise((resolve) => {
      this.#waiter = { count, resolve };
      this.#wake();
    });
  }

  /** Reads lines until one equals `line` (a marker sent with `!echo`); returns the ones before it. */
  async untilLine(line: string): Promise<string[]> {
    const seen: string[] = [];
    for (;;) {
      const [next] = await this.nextLines(1);
      if (next === line) return seen;
      seen.push(next as string);
    }
  }

  async close(): Promise<void> {
    this.child.stdin.end();
    if (this.child.exitCode === null) await new Promise((ok) => this.child.once("close", ok));
  }

  #wake(): void {
    if (this.#waiter && this.#lines.length >= this.#waiter.count) {
      const { count, resolve } = this.#waiter;
      this.#waiter = undefined;
      resolve(this.#lines.splice(0, count));
    }
  }
}
