import { NotFoundError, UsageError } from "../errors.js";
import type { JsonSublevel } from "../storage/store.js";
import type { AclRule } from "./acl.js";

/** ACL rules: those from the config file (ids c1, c2...) and those added from chat (r1, r2...), stored. */
export class AclStore {
  readonly #db: JsonSublevel;
  readonly #config: AclRule[];
  #chat: AclRule[] = [];
  #next = 1;

  private constructor(db: JsonSublevel, config: AclRule[]) {
    this.#db = db;
    this.#config = config;
  }

  static async open(db: JsonSublevel, configRules: Omit<AclRule, "id" | "source">[]): Promise<AclStore> {
    const store = new AclStore(
      db,
      configRules.map((r, i) => ({ ...r, id: `c${i + 1}`, source: "config" as const })),
    );
    for await (const value of db.values()) store.#chat.push(value as AclRule);
    store.#chat.sort((a, b) => Number(a.id.slice(1)) - Number(b.id.slice(1)));
    store.#next = Math.max(0, ...store.#chat.map((r) => Number(r.id.slice(1)))) + 1;
    return store;
  }

  rules(): readonly AclRule[] {
    return [...this.#config, ...this.#chat];
  }

  async add(rule: Omit<AclRule, "id" | "source">): Promise<AclRule> {
    const stored: AclRule = { ...rule, id: `r${this.#next++}`, source: "chat" };
    await this.#db.put(stored.id, stored);
    this.#chat.push(stored);
    return stored;
  }

  async remove(id: string): Promise<AclRule> {
    if (this.#config.some((r) => r.id === id)) {
      throw new UsageError(`Rule ${id} comes from the config file; change it there.`);
    }
    const rule = this.#chat.find((r) => r.id === id);
    if (!rule) throw new NotFoundError(`No rule ${id}; \`!acl list\` shows the rules and their ids.`);
    await this.#db.del(id);
    this.#chat = this.#chat.filter((r) => r.id !== id);
    return rule;
  }
}
