import { usageLine } from "../docs/command-doc.js";
import { UsageError } from "../errors.js";
import type { Command } from "./command.js";
import type { Arguments } from "./parse-message.js";
import type { CommandRegistry } from "./registry.js";
import { suggestCommands } from "./suggest.js";

/** Refuses missing or extra positional arguments with the usage line (and a guess at a misspelt subcommand). */
export function checkArity(
  command: Command,
  parsed: Arguments,
  registry: CommandRegistry,
  prefix: string,
): void {
  const count = parsed.positional.length;
  const params = command.doc.params;
  const required = params.filter((p) => !p.optional && !p.rest).length;
  const max = params.some((p) => p.rest) ? Number.POSITIVE_INFINITY : params.length;
  if (count >= required && count <= max) return;
  const problem = count < required ? "is missing arguments" : "got more arguments than it takes";
  // "!repos instal x" resolves to "!repos" with extra words: the user most likely misspelt a subcommand.
  const family = registry
    .all()
    .filter((c) => c.name.startsWith(`${command.name} `) && !c.doc.hidden)
    .map((c) => c.name);
  const guesses = count > max ? suggestCommands([...command.words, ...parsed.args], family) : [];
  const didYouMean =
    guesses.length > 0 ? ` Did you mean ${guesses.map((g) => `\`${prefix}${g}\``).join(", ")}?` : "";
  throw new UsageError(
    `\`${prefix}${command.name}\` ${problem}. Usage: \`${usageLine(command.doc, prefix)}\` ` +
      `(see \`${prefix}help ${command.name}\`).${didYouMean}`,
  );
}
