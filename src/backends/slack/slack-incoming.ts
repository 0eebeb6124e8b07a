import type { Identity, IncomingMessage } from "../backend.js";
import type { SlackDirectory } from "./slack-names.js";

/** The fields of a Slack `message` or `app_mention` event that the bot reads. */
export interface SlackMessageEvent {
  type: string;
  subtype?: string;
  channel?: string;
  channel_type?: string;
  user?: string;
  bot_id?: string;
  bot_profile?: { name?: string };
  username?: string;
  text?: string;
  ts?: string;
  thread_ts?: string;
}

/** The fields of a slash command payload that the bot reads. */
export interface SlackSlashCommand {
  command: string;
  text: string;
  user_id: string;
  user_name?: string;
  channel_id: string;
  channel_name?: string;
}

/** Who the bot is on Slack (from auth.test). */
export interface SlackSelf {
  userId: string;
  botId: string | null;
}

/** Message subtypes that carry something someone said; edits, joins, topic changes... are not commands. */
const SPOKEN = new Set([undefined, "bot_message", "thread_broadcast", "file_share", "me_message"]);

/**
 * A Slack message event as the bot's IncomingMessage, or null when it is not for the bot to hear (the
 * bot's own messages, edits, deletions, joins). A user is `slack:<user id>`; a bot or integration is
 * `slack:<bot id>` (B..., the same for all its messages, whether or not it has a bot user): that is the
 * id to list in `trustedBots`.
 */
export async function fromMessageEvent(
  event: SlackMessageEvent,
  self: SlackSelf,
  directory: SlackDirectory,
): Promise<IncomingMessage | null> {
  if (!SPOKEN.has(event.subtype) || !event.channel || typeof event.text !== "string") return null;
  if (event.user === self.userId || (self.botId !== null && event.bot_id === self.botId)) return null;
  const sender = await senderOf(event, directory);
  if (!sender) return null;
  const isDirect = event.channel_type === "im" || event.channel.startsWith("D");
  if (isDirect) directory.rememberDirect(sender.key, event.channel);
  const { text, addressed } = stripMention(event.text, self.userId);
  return {
    text: decodeSlackText(text),
    sender: sender.identity,
    room: isDirect ? null : await roomOf(event.channel, directory),
    thread: event.thread_ts ?? null,
    isDirect,
    addressed,
  };
}

/** `/errand status` in #ops: addressed to the bot, so no prefix is needed. */
export async function fromSlashCommand(
  command: SlackSlashCommand,
  directory: SlackDirectory,
): Promise<IncomingMessage> {
  const isDirect = command.channel_id.startsWith("D");
  return {
    text: decodeSlackText(command.text),
    sender: {
      id: `slack:${command.user_id}`,
      name: await directory.userName(command.user_id),
      isBot: false,
    },
    room: isDirect ? null : await roomOf(command.channel_id, directory, command.channel_name),
    thread: null,
    isDirect,
    addressed: true,
  };
}

async function senderOf(
  event: SlackMessageEvent,
  directory: SlackDirectory,
): Promise<{ identity: Identity; key: string } | null> {
  if (event.bot_id || event.subtype === "bot_message") {
    const id = event.bot_id ?? event.user;
    if (!id) return null;
    const name = event.bot_profile?.name ?? event.username ?? id;
    return { identity: { id: `slack:${id}`, name, isBot: true }, key: id };
  }
  if (!event.user) return null;
  const name = await directory.userName(event.user);
  return { identity: { id: `slack:${event.user}`, name, isBot: false }, key: event.user };
}

async function roomOf(channel: string, directory: SlackDirectory, fallback?: string): Promise<string> {
  try {
    const name = await directory.channelName(channel);
    return `#${name ?? channel}`;
  } catch {
    // A channel the bot may not read (a slash command from a private channel it is not in).
    const name = fallback && fallback !== "privategroup" ? fallback : channel;
    directory.rememberChannel(channel, name);
    return `#${name}`;
  }
}

/** `<@UBOT> status` or `<@UBOT|errand>: status` → "status", addressed. */
export function stripMention(text: string, botUserId: string): { text: string; addressed: boolean } {
  const mention = new RegExp(`^\\s*<@${botUserId}(?:\\|[^>]*)?>[:,]?\\s*`);
  return mention.test(text)
    ? { text: text.replace(mention, ""), addressed: true }
    : { text, addressed: false };
}

/**
 * Slack's markup back to what the user typed: `<@U123>` → `@U123` (so `!auth add @alice ops` names the
 * user by id), `<#C123|ops>` → `#ops`, `<https://x|label>` → `https://x`, `<!here>` → `@here`, and
 * `&amp;`, `&lt;`, `&gt;` unescaped.
 */
export function decodeSlackText(text: string): string {
  return text
    .replace(/<([@#!])([^>|]+)(?:\|([^>]*))?>/g, (_, sigil: string, id: string, label?: string) => {
      if (sigil === "@") return `@${id}`;
      if (sigil === "#") return `#${label || id}`;
      return `@${(label || id).replace(/^@/, "").replace(/^subteam\^/, "")}`;
    })
    .replace(/<((?:https?|mailto):[^>|]+)(?:\|[^>]*)?>/g, "$1")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}
