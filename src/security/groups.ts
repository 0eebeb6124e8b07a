import { UsageError } from "../errors.js";
import type { JsonSublevel } from "../storage/store.js";
import { USER_ID } from "./user-id.js";

const SEP = "\u0000";
export const GROUP_NAME = /^[a-z0-9][a-z0-9_.-]{0,39}$/;

/**
 * Groups of users, managed from chat and stored. Kept in memory as well, because every command's
 * permission check reads them.
 */
export class GroupStore {
  readonly #db: JsonSublevel;
  readonly #byUser = new Map<string, Set<string>>();

  private constructor(db: JsonSublevel) {
    this.#db = db;
  }

  static async open(db: JsonSublevel): Promise<GroupStore> {
    const store = new GroupStore(db);
    for await (const key of db.keys()) {
      const [group, user] = (key as string).split(SEP) as [string, string];
      store.#remember(user, group);
    }
    return store;
  }

  async add(userId: string, group: string): Promise<boolean> {
    // Callers check names with the usage of their command; this keeps a membership of nobody out of the store.
    if (!USER_ID.test(userId)) throw new UsageError(`"${userId}" is not a user identity like console:alice.`);
    if (!GROUP_NAME.test(group)) throw new UsageError(`"${group}" is not a group name.`);
    if (this.isMember(userId, group)) return false;
    await this.#db.put(`${group}${SEP}${userId}`, true);
    this.#remember(userId, group);
    return true;
  }

  async remove(userId: string, group: string): Promise<boolean> {
    if (!this.isMember(userId, group)) return false;
    await this.#db.del(`${group}${SEP}${userId}`);
    this.#byUser.get(userId)?.delete(group);
    return true;
  }

  groupsOf(userId: string): ReadonlySet<string> {
    return this.#byUser.get(userId) ?? new Set();
  }

  isMember(userId: string, group: string): boolean {
    return this.#byUser.get(userId)?.has(group) ?? false;
  }

  members(group: string): string[] {
    return [...this.#byUser]
      .filter(([, groups]) => groups.has(group))
      .map(([user]) => user)
      .sort();
  }

  allGroups(): string[] {
    return [...new Set([...this.#byUser.values()].flatMap((g) => [...g]))].sort();
  }

  #remember(userId: string, group: string): void {
    let set = this.#byUser.get(userId);
    if (!set) {
      set = new Set();
      this.#byUser.set(userId, set);
    }
    set.add(group);
  }
}
