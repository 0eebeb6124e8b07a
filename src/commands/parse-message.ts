/**
 * Splits a chat message into tokens, like a shell but for chat text:
 * - double quotes group words anywhere in a token (`key="a b"`), `\"` escapes one inside;
 * - single quotes group only when they open a token or a value (`'a b'`, `key='a b'`), so the
 *   apostrophe in `it's` stays a letter;
 * - a quote with no partner is a literal character, never an error;
 * - no variables, globs or operators: `$HOME`, `*` and `>` are plain text.
 * Slack and phones turn quotes into “smart” ones; those count as plain quotes.
 * (shell-quote expands `$VARS` and globs; string-argv drops apostrophes: neither fits chat text.)
 */
export interface Token {
  value: string;
  /** Offsets of the token in the normalized text. */
  start: number;
  end: number;
  /** It began with a quote, so `"a=b"` stays a plain argument. */
  quoted: boolean;
}

const SMART_QUOTES: Record<string, string> = { "“": '"', "”": '"', "„": '"', "‘": "'", "’": "'" };

export function normalizeQuotes(text: string): string {
  return text.replace(/[“”„‘’]/g, (q) => SMART_QUOTES[q] ?? q);
}

export function tokenize(input: string): Token[] {
  const text = normalizeQuotes(input);
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && isSpace(text[i])) i++;
    if (i >= text.length) break;
    const start = i;
    let value = "";
    const quoted = text[i] === '"' || text[i] === "'";
    while (i < text.length && !isSpace(text[i])) {
      const ch = text[i] as string;
      const opensSingle = ch === "'" && (i === start || text[i - 1] === "=");
      if (ch === '"' || opensSingle) {
        const close = findClosingQuote(text, i + 1, ch);
        if (close !== -1) {
          value += unescapeQuoted(text.slice(i + 1, close), ch);
          i = close + 1;
          continue;
        }
      }
      value += ch;
      i++;
    }
    tokens.push({ value, start, end: i, quoted });
  }
  return tokens;
}

function isSpace(ch: string | undefined): boolean {
  return ch !== undefined && /\s/.test(ch);
}

function findClosingQuote(text: string, from: number, quote: string): number {
  for (let j = from; j < text.length; j++) {
    if (text[j] === "\\" && quote === '"') {
      j++;
      continue;
    }
    if (text[j] === quote) {
      // A single quote closes only at the end of a word, so "'tis Bob's" keeps its apostrophes.
      if (quote === "'" && j + 1 < text.length && !isSpace(text[j + 1])) continue;
      return j;
    }
  }
  return -1;
}

function unescapeQuoted(inner: string, quote: string): string {
  return quote === '"' ? inner.replace(/\\(["\\])/g, "$1") : inner;
}

const OPTION = /^([A-Za-z_][\w.-]*)=(.*)$/s;

export interface Arguments {
  /** Every token after the command words, in order. */
  args: string[];
  /** The tokens that are not `key=value` options: what the handler's parameters receive. */
  positional: string[];
  /** `key=value` tokens, also present in `args`. */
  options: Record<string, string>;
  /** The raw text after the command words. */
  text: string;
}

/** Builds a command's arguments from the tokens that follow its `wordCount` command words. */
export function buildArguments(text: string, tokens: Token[], wordCount: number): Arguments {
  const rest = tokens.slice(wordCount);
  const options: Record<string, string> = Object.create(null);
  const positional: string[] = [];
  for (const t of rest) {
    const m = t.quoted ? null : OPTION.exec(t.value);
    if (m) options[m[1] as string] = m[2] as string;
    else positional.push(t.value);
  }
  const first = rest[0];
  return {
    args: rest.map((t) => t.value),
    positional,
    options,
    text: first ? normalizeQuotes(text).slice(first.start).trim() : "",
  };
}
