import type { webApi } from "@slack/bolt";
import { NotFoundError } from "../../errors.js";
import type { Logger } from "../../log.js";

type WebClient = webApi.WebClient;

const USER_ID = /^[UW][A-Z0-9]{2,}$/;
const CHANNEL_ID = /^[CGD][A-Z0-9]{2,}$/;

/**
 * Names for Slack ids and ids for names, through the Web API (users.info, users.list,
 * conversations.info, conversations.list, conversations.open), cached for the life of the process:
 * a busy channel costs one lookup, not one per message. A channel renamed while the bot runs is found
 * under its new name (a miss reads the list again); its old name keeps working until a restart.
 */
export class SlackDirectory {
  readonly #client: WebClient;
  readonly #log: Logger;
  readonly #userNames = new Map<string, string>();
  readonly #userIdsByName = new Map<string, string>();
  readonly #channelNames = new Map<string, string | null>();
  readonly #channelIdsByName = new Map<string, string>();
  readonly #dmChannels = new Map<string, string>();
  readonly #userLookups = new Map<string, Promise<string>>();
  readonly #channelLookups = new Map<string, Promise<string | null>>();

  constructor(client: WebClient, log: Logger) {
    this.#client = client;
    this.#log = log;
  }

  /** What people call user `id`: their display name, else their real name, else their handle. */
  async userName(id: string): Promise<string> {
    const known = this.#userNames.get(id);
    if (known !== undefined) return known;
    return this.#once(this.#userLookups, id, () => this.#lookUpUser(id));
  }

  async #lookUpUser(id: string): Promise<string> {
    try {
      const res = await this.#client.users.info({ user: id });
      const u = res.user;
      const name = u?.profile?.display_name || u?.real_name || u?.name || id;
      this.#rememberUser(id, name, [u?.name, u?.real_name]);
      return name;
    } catch (err) {
      // A name is a courtesy: the command still runs, under the id.
      this.#log.warn({ err, user: id }, "slack: users.info failed; using the id as the name");
      return id;
    }
  }

  /** "ops" for a channel, null for a direct conversation. */
  async channelName(id: string): Promise<string | null> {
    const known = this.#channelNames.get(id);
    if (known !== undefined) return known;
    return this.#once(this.#channelLookups, id, async () => {
      const res = await this.#client.conversations.info({ channel: id });
      const c = res.channel;
      const name = c?.is_im ? null : (c?.name ?? id);
      this.rememberChannel(id, name);
      return name;
    });
  }

  /** One look-up per id at a time: the first messages of a busy channel, or user, share it. */
  #once<T>(lookups: Map<string, Promise<T>>, id: string, lookUp: () => Promise<T>): Promise<T> {
    let lookup = lookups.get(id);
    if (!lookup) {
      lookup = lookUp().finally(() => lookups.delete(id));
      lookups.set(id, lookup);
    }
    return lookup;
  }

  /** Records what an event told us, so that answering it needs no lookup. */
  rememberChannel(id: string, name: string | null): void {
    this.#channelNames.set(id, name);
    if (name !== null) this.#channelIdsByName.set(name.toLowerCase(), id);
  }

  /** A conversation we heard `userKey` (a user id, or a bot's id) in directly. */
  rememberDirect(userKey: string, channelId: string): void {
    this.#dmChannels.set(userKey, channelId);
  }

  /** The id of channel "#ops" (or "ops"), looked up in the channels the bot can see. */
  async channelId(room: string): Promise<string> {
    const name = room.replace(/^#/, "");
    const cached = this.#channelIdsByName.get(name.toLowerCase());
    if (cached) return cached;
    let cursor: string | undefined;
    do {
      const res = await this.#client.conversations.list({
        types: "public_channel,private_channel,mpim",
        exclude_archived: true,
        limit: 200,
        ...(cursor ? { cursor } : {}),
      });
      for (const c of res.channels ?? []) {
        if (c.id && c.name) this.rememberChannel(c.id, c.name);
      }
      const found = this.#channelIdsByName.get(name.toLowerCase());
      if (found) return found;
      cursor = res.response_metadata?.next_cursor || undefined;
    } while (cursor);
    if (CHANNEL_ID.test(name)) return name;
    throw new NotFoundError(
      `I see no Slack channel #${name}. Check the name, and invite me there (/invite @me) if it is private.`,
    );
  }

  /** The user id of "@alice", "alice" or "U123", looked up by handle, display name or real name. */
  async userId(who: string): Promise<string> {
    const name = who.replace(/^@/, "").replace(/^slack:/, "");
    if (USER_ID.test(name)) return name;
    const cached = this.#userIdsByName.get(name.toLowerCase());
    if (cached) return cached;
    let cursor: string | undefined;
    do {
      const res = await this.#client.users.list({ limit: 200, ...(cursor ? { cursor } : {}) });
      for (const u of res.members ?? []) {
        if (!u.id || u.deleted) continue;
        const display = u.profile?.display_name || u.real_name || u.name || u.id;
        this.#rememberUser(u.id, display, [u.name, u.real_name]);
      }
      const found = this.#userIdsByName.get(name.toLowerCase());
      if (found) return found;
      cursor = res.response_metadata?.next_cursor || undefined;
    } while (cursor);
    throw new NotFoundError(
      `I know no Slack user @${name}. Use their handle, display name or member id (U...).`,
    );
  }

  /** The direct conversation between the bot and `userKey` (opened once, then remembered). */
  async directChannel(userKey: string): Promise<string> {
    const known = this.#dmChannels.get(userKey);
    if (known) return known;
    const res = await this.#client.conversations.open({ users: userKey });
    const id = res.channel?.id;
    if (!id) throw new NotFoundError(`Slack opened no conversation with ${userKey}.`);
    this.#dmChannels.set(userKey, id);
    return id;
  }

  #rememberUser(id: string, display: string, aliases: (string | undefined)[]): void {
    this.#userNames.set(id, display);
    for (const alias of [display, ...aliases]) {
      if (alias) this.#userIdsByName.set(alias.toLowerCase(), id);
    }
  }
}
