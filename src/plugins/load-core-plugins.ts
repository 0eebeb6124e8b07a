import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Command } from "../commands/command.js";
import type { CommandRegistry } from "../commands/registry.js";
import { isChatCommand } from "../docs/command-doc.js";
import { coreDistDir } from "../paths.js";
import type { CorePluginEntry } from "./core-catalog.js";

/** Imports each core plugin's module and registers its documented exports as commands. */
export async function loadCorePlugins(
  registry: CommandRegistry,
  catalog: readonly CorePluginEntry[],
): Promise<void> {
  for (const entry of catalog) {
    const mod = (await import(pathToFileURL(resolve(coreDistDir, entry.module)).href)) as Record<
      string,
      unknown
    >;
    const commands: Command[] = entry.docs.filter(isChatCommand).map((doc) => {
      const fn = mod[doc.exportName];
      if (typeof fn !== "function") {
        throw new Error(
          `Core plugin ${entry.name}: ${doc.exportName} is documented but not exported as a function.`,
        );
      }
      return {
        name: doc.command,
        words: doc.command.split(" "),
        plugin: entry.name,
        doc,
        run: async (ctx, positional) => fn(ctx, ...positional),
        recordsHistory: !entry.notInHistory.includes(doc.exportName),
      };
    });
    registry.registerAll(commands);
  }
}
