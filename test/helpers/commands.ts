import type { Command } from "../../src/commands/command.js";
import type { CommandDoc } from "../../src/docs/command-doc.js";

/** Commands built by hand, for testing the registry and dispatcher without a plugin. */
export function fakeDoc(command: string, overrides: Partial<CommandDoc> = {}): CommandDoc {
  return {
    exportName: command.replace(/ (\w)/g, (_, c: string) => c.toUpperCase()),
    command,
    summary: `Does ${command}.`,
    remarks: "",
    params: [],
    examples: [],
    admin: false,
    hidden: false,
    internal: false,
    webhook: false,
    unsigned: false,
    match: null,
    approval: null,
    file: "x.ts",
    line: 1,
    ...overrides,
  };
}

export function command(name: string, plugin: string, overrides: Partial<CommandDoc> = {}): Command {
  return { name, words: name.split(" "), plugin, doc: fakeDoc(name, overrides), run: async () => name };
}
