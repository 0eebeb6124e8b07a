import { DuplicateCommandError } from "../errors.js";
import type { Command } from "./command.js";

/**
 * Every command the bot answers to, by name. A plugin's commands are added and removed together;
 * a name taken by another plugin is refused (both named), so two plugins never silently shadow each other.
 */
export class CommandRegistry {
  readonly #byName = new Map<string, Command>();
  #longest = 1;

  /** Adds all of a plugin's commands, or none of them. */
  registerAll(commands: readonly Command[]): void {
    const seen = new Map<string, Command>();
    for (const c of commands) {
      const clash = this.#byName.get(c.name) ?? seen.get(c.name);
      if (clash) {
        throw new DuplicateCommandError(
          `Command "${c.name}" of plugin ${c.plugin} is already defined by plugin ${clash.plugin}; ` +
            `deactivate one of them or rename the command with a @command tag.`,
        );
      }
      seen.set(c.name, c);
    }
    for (const c of commands) {
      this.#byName.set(c.name, c);
      this.#longest = Math.max(this.#longest, c.words.length);
    }
  }

  unregisterPlugin(plugin: string): void {
    for (const [name, c] of this.#byName) if (c.plugin === plugin) this.#byName.delete(name);
  }

  get(name: string): Command | undefined {
    return this.#byName.get(name);
  }

  /** The longest registered command that the words start with, and how many words it took. */
  resolve(words: readonly string[]): { command: Command; wordCount: number } | undefined {
    const lowered = words.map((w) => w.toLowerCase());
    for (let n = Math.min(this.#longest, lowered.length); n > 0; n--) {
      const command = this.#byName.get(lowered.slice(0, n).join(" "));
      if (command) return { command, wordCount: n };
    }
    return undefined;
  }

  all(): Command[] {
    return [...this.#byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  }
}
