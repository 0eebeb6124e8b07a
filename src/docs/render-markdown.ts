import { type CommandDoc, isChatCommand, usageLine } from "./command-doc.js";

export interface DocumentedPlugin {
  name: string;
  description: string;
  docs: readonly CommandDoc[];
}

/** The Markdown reference of every command (`errand docs`): one section per plugin, one per command. */
export function renderMarkdownReference(plugins: readonly DocumentedPlugin[], prefix: string): string {
  const out: string[] = ["# Errand command reference", ""];
  out.push(
    `Generated from the TSDoc comments of the commands by \`errand docs\`. Commands start with \`${prefix}\` in rooms;`,
    "in a direct message the prefix is optional. `<arg>` is required, `[arg]` optional, `[arg...]` takes the rest.",
    "",
  );
  for (const p of plugins) {
    const commands = p.docs.filter((d) => !d.hidden && isChatCommand(d));
    const listeners = p.docs.filter((d) => !d.hidden && !d.internal && d.match !== null);
    if (commands.length === 0 && listeners.length === 0) continue;
    out.push(`## ${p.name}`, "", p.description, "");
    for (const d of commands) {
      out.push(`### \`${usageLine(d, prefix)}\``, "", d.summary, "");
      if (d.admin) out.push("*Admins only.*", "");
      if (d.approval) out.push(`*Runs after approval by someone in group \`${d.approval}\`.*`, "");
      const params = d.params.filter((x) => x.description);
      if (params.length > 0) {
        for (const x of params)
          out.push(`- \`${x.name}\`${x.optional || x.rest ? " (optional)" : ""}: ${x.description}`);
        out.push("");
      }
      if (d.remarks) out.push(d.remarks, "");
      for (const e of d.examples) out.push("```", e, "```", "");
    }
    for (const d of listeners) out.push(`### Listens for \`/${d.match}/\``, "", d.summary, "");
  }
  return `${out.join("\n").trimEnd()}\n`;
}
