import type { Command } from "../../src/commands/command.js";
import { usageLine } from "../../src/docs/command-doc.js";
import { PatternTooSlowError, UsageError } from "../../src/errors.js";
import type { CoreContext } from "../../src/plugins/core-context.js";
import { searchTexts } from "../../src/sandbox/safe-regex-search.js";

/**
 * Lists the commands you may run, grouped by plugin, or explains one command or plugin.
 * @param topic - a command (`history`), a plugin name (`utils`), or `/REGEX/` to search names and docs
 * @example !help
 * @example !help echo
 * @example !help /hist/
 */
export async function help(ctx: CoreContext, ...topic: string[]): Promise<string> {
  const commands = visibleCommands(ctx);
  const prefix = ctx.host.prefix;
  if (topic.length === 0) return listByPlugin(commands, prefix, "Commands you can run");
  const text = topic.join(" ");
  const regex = /^\/(.+)\/([imsu]*)$/.exec(ctx.text.trim());
  if (regex) {
    const pattern = toRegExp(regex[1] as string, regex[2] as string);
    return searchByRegExp(commands, prefix, pattern, ctx.text.trim());
  }
  const words = text.replace(new RegExp(`^${escapeRegExp(prefix)}`), "").toLowerCase();
  const command = ctx.host.commands().find((c) => c.name === words && !c.doc.hidden);
  if (command) {
    const refusal = ctx.host.refusal(ctx.message, command);
    if (refusal) return refusal;
    return describe(command, prefix);
  }
  const plugin = ctx.host.plugins().find((p) => p.name === words);
  if (plugin) {
    const own = commands.filter((c) => c.plugin === plugin.name);
    return listByPlugin(own, prefix, `${plugin.name} ${plugin.version}: ${plugin.description}`);
  }
  return (
    `No command or plugin is called "${words}". Try \`${prefix}apropos ${words}\` to search the docs, ` +
    `or \`${prefix}help\` for the list.`
  );
}

/**
 * Searches the names and help texts of the commands you may run.
 * @param term - a word to look for, not case-sensitive (quote a phrase: "run again")
 * @example !apropos history
 */
export function apropos(ctx: CoreContext, term: string): string {
  return search(visibleCommands(ctx), ctx.host.prefix, new RegExp(escapeRegExp(term), "i"), `"${term}"`);
}

function visibleCommands(ctx: CoreContext): Command[] {
  return ctx.host.commands().filter((c) => !c.doc.hidden && ctx.host.canRun(ctx.message, c));
}

function listByPlugin(commands: Command[], prefix: string, title: string): string {
  const byPlugin = new Map<string, Command[]>();
  for (const c of commands) byPlugin.set(c.plugin, [...(byPlugin.get(c.plugin) ?? []), c]);
  const lines = [`${title} (\`${prefix}help COMMAND\` for details):`];
  for (const plugin of [...byPlugin.keys()].sort()) {
    lines.push(`${plugin}:`);
    for (const c of byPlugin.get(plugin) ?? [])
      lines.push(`  ${usageLine(c.doc, prefix)} — ${firstSentence(c.doc.summary)}`);
  }
  return lines.join("\n");
}

function describe(command: Command, prefix: string): string {
  const { doc } = command;
  const lines = [`${usageLine(doc, prefix)}  (plugin ${command.plugin})`, doc.summary];
  const params = doc.params.filter((p) => p.description);
  if (params.length > 0) lines.push(...params.map((p) => `  ${p.name}: ${p.description}`));
  if (doc.remarks) lines.push(doc.remarks);
  if (doc.examples.length > 0) lines.push("Examples:", ...doc.examples.map((e) => `  ${e}`));
  if (doc.admin) lines.push("Admins only.");
  if (doc.approval) lines.push(`Runs after someone in group ${doc.approval} approves.`);
  return lines.join("\n");
}

/** For a term from `!apropos`: escaped, so matching it takes linear time. */
function search(commands: Command[], prefix: string, pattern: RegExp, shown: string): string {
  const found = commands.filter((c) => searchedTexts(c).some((t) => pattern.test(t)));
  return listFound(found, prefix, shown);
}

/**
 * For a user's `/REGEX/`, which may take exponential time: it runs off the main thread, with a time
 * limit (only compiling it here is safe).
 */
async function searchByRegExp(
  commands: Command[],
  prefix: string,
  pattern: RegExp,
  shown: string,
): Promise<string> {
  const texts = commands.map(searchedTexts);
  let hits: boolean[];
  try {
    hits = await searchTexts(pattern.source, pattern.flags, texts.flat());
  } catch (err) {
    if (!(err instanceof PatternTooSlowError)) throw err;
    throw new PatternTooSlowError(
      `That pattern took too long; try a simpler one or \`${prefix}apropos WORD\`.`,
    );
  }
  let next = 0;
  const found = commands.filter((_, i) => {
    const own = hits.slice(next, next + (texts[i] as string[]).length);
    next += own.length;
    return own.includes(true);
  });
  return listFound(found, prefix, shown);
}

function searchedTexts(c: Command): string[] {
  return [c.name, c.doc.summary, c.doc.remarks, ...c.doc.params.map((p) => p.description)];
}

function listFound(found: Command[], prefix: string, shown: string): string {
  if (found.length === 0) return `No command you can run mentions ${shown}.`;
  return listByPlugin(found, prefix, `Commands matching ${shown}`);
}

function toRegExp(source: string, flags: string): RegExp {
  try {
    return new RegExp(source, flags.includes("i") ? flags : `${flags}i`);
  } catch (err) {
    throw new UsageError(`/${source}/ is not a valid regular expression (${(err as Error).message}).`);
  }
}

function firstSentence(text: string): string {
  const line = text.split("\n")[0] ?? "";
  const end = line.search(/\.(\s|$)/);
  return end === -1 ? line : line.slice(0, end + 1);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
