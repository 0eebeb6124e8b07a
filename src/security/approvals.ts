import { NotAllowedError, NotFoundError } from "../errors.js";
import type { JsonSublevel } from "../storage/store.js";
import { randomHex } from "../util/lazy-crypto.js";

/** A command tagged `@approval GROUP` that waits for a second person. Stored, so it survives a restart. */
export interface ApprovalRequest {
  id: string;
  /** The command as typed, without the prefix (secrets redacted for display). */
  text: string;
  /** The same, unredacted, to run. */
  runText: string;
  command: string;
  plugin: string;
  group: string;
  requester: { id: string; name: string; isBot: boolean };
  room: string | null;
  thread: string | null;
  isDirect: boolean;
  createdAt: string;
  expiresAt: string;
}

/**
 * Two-person approval: a request waits until someone in its group other than the requester approves
 * (then it runs, as the requester, checked again) or someone denies it, or it expires.
 */
export class ApprovalStore {
  readonly #db: JsonSublevel;
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(db: JsonSublevel, ttlMs: number, now: () => number = Date.now) {
    this.#db = db;
    this.#ttlMs = ttlMs;
    this.#now = now;
  }

  async create(request: Omit<ApprovalRequest, "id" | "createdAt" | "expiresAt">): Promise<ApprovalRequest> {
    const now = this.#now();
    const stored: ApprovalRequest = {
      ...request,
      id: randomHex(3),
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + this.#ttlMs).toISOString(),
    };
    await this.#db.put(stored.id, stored);
    return stored;
  }

  /** Pending requests, oldest first; expired ones are dropped on the way. */
  async pending(): Promise<ApprovalRequest[]> {
    const out: ApprovalRequest[] = [];
    for await (const value of this.#db.values()) {
      const r = value as ApprovalRequest;
      if (this.#expired(r)) await this.#db.del(r.id);
      else out.push(r);
    }
    return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /**
   * Takes a request for approval by `approver`: refused for the requester, for anyone outside the group,
   * and for an expired request. The request is gone once taken: it runs once.
   */
  async take(
    id: string,
    approver: string,
    isMember: (user: string, group: string) => boolean,
  ): Promise<ApprovalRequest> {
    const r = await this.#get(id);
    if (r.requester.id === approver) {
      throw new NotAllowedError(
        `You asked for request ${id} yourself; someone else in group ${r.group} must approve it.`,
      );
    }
    if (!isMember(approver, r.group)) {
      throw new NotAllowedError(`Only members of group ${r.group} may approve request ${id}.`);
    }
    await this.#db.del(id);
    return r;
  }

  /** Drops a request: its group's members, the requester or an admin may. */
  async deny(id: string, mayDeny: (r: ApprovalRequest) => boolean): Promise<ApprovalRequest> {
    const r = await this.#get(id);
    if (!mayDeny(r))
      throw new NotAllowedError(
        `Only members of group ${r.group}, the requester or an admin may deny request ${id}.`,
      );
    await this.#db.del(id);
    return r;
  }

  async #get(id: string): Promise<ApprovalRequest> {
    const r = (await this.#db.get(id)) as ApprovalRequest | undefined;
    if (!r) throw new NotFoundError(`No request ${id}; \`!approvals\` lists the pending ones.`);
    if (this.#expired(r)) {
      await this.#db.del(id);
      throw new NotFoundError(`Request ${id} expired at ${r.expiresAt}; ask again.`);
    }
    return r;
  }

  #expired(r: ApprovalRequest): boolean {
    return Date.parse(r.expiresAt) <= this.#now();
  }
}
