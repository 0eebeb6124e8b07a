import type { Context } from "errand/plugin";
import { addGreeting, describeTally, type Tally } from "./greetings.js";

const TALLY = "tally";

/**
 * Greets you, or whoever you name, with the configured greeting.
 * @param name - who to greet (default: you)
 * @example !hello
 * @example !hello Ada
 */
export async function hello(ctx: Context, name?: string): Promise<string> {
  const who = name ?? ctx.user.name;
  const tally = ((await ctx.store.get(TALLY)) as Tally | null) ?? {};
  await ctx.store.set(TALLY, addGreeting(tally, who));
  return `${ctx.config.greeting}, ${who}!`;
}

/**
 * Tells how many greetings there were, and who got the most.
 * @example !greetings
 */
export async function greetings(ctx: Context): Promise<string> {
  return describeTally(((await ctx.store.get(TALLY)) as Tally | null) ?? {});
}

/**
 * Answers "good morning" (or afternoon, or evening) in kind.
 * @match ^good (morning|afternoon|evening)\b
 */
export function goodTimeOfDay(ctx: Context): string {
  return `Good ${ctx.match[1]?.toLowerCase()}, ${ctx.user.name}!`;
}
