/** A command's documentation, extracted from the TSDoc comment of the function that implements it. */
export interface ParamDoc {
  name: string;
  description: string;
  optional: boolean;
  /** A rest parameter (`...words`): takes every remaining argument. */
  rest: boolean;
}

export interface CommandDoc {
  /** The exported function's name. */
  exportName: string;
  /** The chat name: `@command` words, or the function name split at capitals ("buildStatus" → "build status"). */
  command: string;
  summary: string;
  remarks: string;
  params: ParamDoc[];
  examples: string[];
  admin: boolean;
  hidden: boolean;
  /** `@internal`: neither a command nor a route (timer targets, helpers). */
  internal: boolean;
  webhook: boolean;
  /** `@unsigned`: a webhook that checks its callers itself (a URL token), exempt from `webhookSecret`. */
  unsigned: boolean;
  /** `@match` regular expression source, if any. */
  match: string | null;
  /** `@approval` group, if any. */
  approval: string | null;
  /** Where it is defined, for error messages. */
  file: string;
  line: number;
}

/** "buildStatus" → "build status"; "getURL" → "get url". */
export function commandNameFromFunction(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .replace(/_/g, " ")
    .toLowerCase()
    .trim();
}

/** `!build status <job> [n] [words...]` */
export function usageLine(doc: CommandDoc, prefix: string): string {
  const params = doc.params.map((p) =>
    p.rest ? `[${p.name}...]` : p.optional ? `[${p.name}]` : `<${p.name}>`,
  );
  return [`${prefix}${doc.command}`, ...params].join(" ");
}

/** Is this export a chat command (as opposed to a webhook route, a helper or a @match listener)? */
export function isChatCommand(doc: CommandDoc): boolean {
  return !doc.internal && !doc.webhook && doc.match === null;
}
