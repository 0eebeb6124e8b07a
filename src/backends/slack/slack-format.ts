/**
 * Replies are written in Markdown (what the console shows and plugin authors know); Slack reads its
 * own "mrkdwn". These turn one into the other and cut long replies into messages Slack shows whole.
 */

/** Slack truncates at 40,000 characters and folds messages over 4,000; stay well under both. */
export const SLACK_MESSAGE_LIMIT = 3_500;

const FENCE = "```";

/**
 * Markdown → Slack mrkdwn: `**bold**` and `__bold__` → `*bold*`, `~~gone~~` → `~gone~`,
 * `[text](url)` → `<url|text>`, `# Heading` → `*Heading*`; code spans and blocks are kept as they are
 * (a fence's language tag dropped: Slack would show it as code). `&`, `<` and `>` are escaped everywhere,
 * as Slack requires, so no reply can forge a mention (`<!channel>`) or a link.
 */
export function renderForSlack(markdown: string): string {
  let out = "";
  // Fenced blocks first (an unterminated one runs to the end), then code spans, then prose.
  for (const part of markdown.split(/(```[\s\S]*?(?:```|$))/)) {
    if (part.startsWith(FENCE)) out += escapeMrkdwn(part).replace(/^```[\w+#.-]*\n/, "```\n");
    else out += renderInline(part);
  }
  return out;
}

function renderInline(text: string): string {
  return text
    .split(/(`[^`\n]+`)/)
    .map((part, i) => (i % 2 === 1 ? escapeMrkdwn(part) : renderProse(escapeMrkdwn(part))))
    .join("");
}

function renderProse(text: string): string {
  return text
    .replace(/^#{1,6}[ \t]+(.+?)[ \t]*#*$/gm, "*$1*")
    .replace(/\[([^\]\n]+)\]\(((?:https?|mailto):[^\s)]+)\)/g, (_, label: string, url: string) => {
      return `<${url}|${label.replace(/\|/g, "/")}>`;
    })
    .replace(/\*\*(?=\S)([^*\n]*?\S)\*\*/g, "*$1*")
    .replace(/(^|[^\w])__(?=\S)([^_\n]*?\S)__(?!\w)/g, "$1*$2*")
    .replace(/~~(?=\S)([^~\n]*?\S)~~/g, "~$1~");
}

function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * Cuts a rendered reply into messages of at most `limit` characters, on line boundaries (a line longer
 * than a message is cut where it must). A code block cut in two is closed at the end of one message and
 * reopened at the start of the next, so each message renders on its own.
 */
export function splitForSlack(text: string, limit = SLACK_MESSAGE_LIMIT): string[] {
  if (text.length <= limit) return text.trim() === "" ? [] : [text];
  // Room for a closing and a reopening fence ("\n```" and "```\n") in any message.
  const room = limit - 2 * (FENCE.length + 1);
  if (room < 1) throw new RangeError(`A Slack message limit of ${limit} leaves no room for text.`);
  const messages: string[] = [];
  let lines: string[] = [];
  let size = 0;
  let inFence = false;
  let openedInFence = false;
  const flush = () => {
    if (lines.length === 0) return;
    const body = lines.join("\n");
    if (body.trim() !== "") {
      messages.push(`${openedInFence ? `${FENCE}\n` : ""}${body}${inFence ? `\n${FENCE}` : ""}`);
    }
    lines = [];
    size = 0;
    openedInFence = inFence;
  };
  for (const whole of text.split("\n")) {
    for (const line of cutLine(whole, room)) {
      const added = (lines.length > 0 ? 1 : 0) + line.length;
      if (size + added > room) flush();
      size += (lines.length > 0 ? 1 : 0) + line.length;
      lines.push(line);
      if (countFences(line) % 2 === 1) inFence = !inFence;
    }
  }
  flush();
  return messages;
}

function cutLine(line: string, room: number): string[] {
  if (line.length <= room) return [line];
  const pieces: string[] = [];
  for (let i = 0; i < line.length; i += room) pieces.push(line.slice(i, i + room));
  return pieces;
}

function countFences(line: string): number {
  return line.split(FENCE).length - 1;
}
