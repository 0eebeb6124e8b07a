import type ivm from "isolated-vm";
import { PatternTooSlowError } from "../errors.js";

/** Long enough for any sane pattern over every command's docs; short enough not to be noticed. */
export const SEARCH_TIMEOUT_MS = 150;
const SEARCH_MEMORY_MB = 16;

/** Runs in the search isolate: which texts the pattern matches. */
const SEARCH_SCRIPT = `
globalThis.search = (source, flags, texts) => {
  const re = new RegExp(source, flags);
  return texts.map((text) => {
    re.lastIndex = 0;
    return re.test(text);
  });
};
`;

interface Searcher {
  isolate: ivm.Isolate;
  search: ivm.Reference;
}

/** One small isolate for every search, made on the first one and made again if a search killed it. */
let searcher: Promise<Searcher> | undefined;

/**
 * Which of `texts` a user's regular expression matches. Running a pattern can take exponential time
 * (`/(a+)+$/`), and on the main thread nothing, not even SIGTERM, stops it: so it runs in an isolate of
 * its own, on the isolate's thread, under a time and memory limit, and over a limit PatternTooSlowError
 * says so. The pattern must be valid: check it with `new RegExp` first (compiling is safe).
 */
export async function searchTexts(
  source: string,
  flags: string,
  texts: readonly string[],
  timeoutMs = SEARCH_TIMEOUT_MS,
): Promise<boolean[]> {
  searcher ??= createSearcher();
  const current = searcher;
  const { isolate, search } = await current;
  try {
    return (await search.apply(undefined, [source, flags, texts], {
      timeout: timeoutMs,
      arguments: { copy: true },
      result: { copy: true },
    })) as boolean[];
  } catch (err) {
    // After a memory limit the isolate is gone; a timeout leaves it usable.
    if (isolate.isDisposed && searcher === current) searcher = undefined;
    if (isolate.isDisposed || /execution timed out|memory limit/i.test((err as Error)?.message ?? "")) {
      throw new PatternTooSlowError(
        `The pattern /${source}/ took longer than ${timeoutMs} ms; it was stopped.`,
      );
    }
    throw err;
  }
}

async function createSearcher(): Promise<Searcher> {
  let isolate: ivm.Isolate | undefined;
  try {
    // Loaded on the first search: a bot that never searches with a pattern does not carry the native module.
    const { default: IVM } = await import("isolated-vm");
    isolate = new IVM.Isolate({ memoryLimit: SEARCH_MEMORY_MB });
    const context = await isolate.createContext();
    await context.eval(SEARCH_SCRIPT);
    const search = (await context.global.get("search", { reference: true })) as ivm.Reference;
    return { isolate, search };
  } catch (err) {
    if (isolate && !isolate.isDisposed) isolate.dispose();
    searcher = undefined;
    throw err;
  }
}
