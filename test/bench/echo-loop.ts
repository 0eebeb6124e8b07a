/**
 * The limit the benchmark compares against: a bare Node loop that answers `!echo X` with `X`,
 * reading stdin line by line exactly as the console backend does.
 */
import { createInterface } from "node:readline";

const rl = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
rl.on("line", (line) => {
  process.stdout.write(`${line.replace(/^!echo /, "")}\n`);
});
