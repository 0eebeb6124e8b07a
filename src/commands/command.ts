import type { CommandDoc } from "../docs/command-doc.js";

/** One registered command: its words, its docs, and the function that runs it. */
export interface Command {
  /** Command words joined by one space: "repos install". */
  name: string;
  words: readonly string[];
  plugin: string;
  doc: CommandDoc;
  run: (ctx: unknown, positional: string[]) => Promise<unknown>;
  /** False for commands that re-run history (`!!`): the command they run is recorded instead. */
  recordsHistory?: boolean;
}
