import { readFile } from "node:fs/promises";
import { dirname, isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { CatalogueError } from "../errors.js";

/** One installable repo in a catalogue (`repos/index.json` and the configured extra catalogues). */
export interface CatalogueEntry {
  name: string;
  description: string;
  /** Git URL; a relative one is resolved against the catalogue file's folder. */
  url: string;
  /** The plugin's folder inside the repo, when it is not at the root. */
  path?: string;
  commands: string[];
  /** Which catalogue it came from. */
  source: string;
}

export interface Catalogues {
  entries: CatalogueEntry[];
  /** Catalogues that could not be read, each with why. */
  problems: string[];
}

const FETCH_TIMEOUT_MS = 10_000;

/**
 * Reads every catalogue it can. An unreadable one is reported, never fatal: it only affects search and
 * install-by-name, never install by URL (unlike Errbot, where a missing index broke every install).
 */
export async function loadCatalogues(sources: readonly string[]): Promise<Catalogues> {
  const entries: CatalogueEntry[] = [];
  const problems: string[] = [];
  for (const source of sources) {
    try {
      entries.push(...parseCatalogue(source, await readCatalogue(source)));
    } catch (err) {
      problems.push(`${source}: ${(err as Error).message}`);
    }
  }
  return { entries, problems };
}

/** The entry called `name`; throws with the reason when it is not found or no catalogue could be read. */
export function findEntry(catalogues: Catalogues, name: string): CatalogueEntry {
  const entry = catalogues.entries.find((e) => e.name === name);
  if (entry) return entry;
  const unreadable = catalogues.problems.length
    ? ` Catalogues that could not be read: ${catalogues.problems.join("; ")}.`
    : "";
  throw new CatalogueError(
    `No repo called "${name}" in the catalogues.${unreadable} Install by git URL instead: \`!repos install URL\`.`,
  );
}

/** Substring search over names, descriptions and command names. */
export function searchCatalogues(catalogues: Catalogues, term: string): CatalogueEntry[] {
  const t = term.toLowerCase();
  return catalogues.entries.filter((e) =>
    [e.name, e.description, ...e.commands].some((field) => field.toLowerCase().includes(t)),
  );
}

async function readCatalogue(source: string): Promise<string> {
  if (/^https?:\/\//.test(source)) {
    const res = await fetch(source, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) }).catch((err: Error) => {
      throw new Error(`cannot be fetched (${(err.cause as Error)?.message ?? err.message})`);
    });
    if (!res.ok) throw new Error(`answered HTTP ${res.status}`);
    return res.text();
  }
  return readFile(source, "utf8").catch((err: NodeJS.ErrnoException) => {
    throw new Error(`cannot be read (${err.code ?? err.message})`);
  });
}

function parseCatalogue(source: string, text: string): CatalogueEntry[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new Error("is not valid JSON");
  }
  const repos = (data as { repos?: unknown }).repos;
  if (!Array.isArray(repos)) throw new Error('has no "repos" list');
  return repos.flatMap((r: Record<string, unknown>) => {
    if (typeof r?.name !== "string" || typeof r.url !== "string") return [];
    return [
      {
        name: r.name,
        description: typeof r.description === "string" ? r.description : "",
        url: resolveUrl(source, r.url),
        path: typeof r.path === "string" ? r.path : undefined,
        commands: Array.isArray(r.commands)
          ? r.commands.filter((c): c is string => typeof c === "string")
          : [],
        source,
      },
    ];
  });
}

/** A relative URL in a file catalogue points next to it: repos/index.json names the checkout it is in. */
function resolveUrl(source: string, url: string): string {
  if (/^[a-z]+:\/\//.test(url) || /^[\w.-]+@[\w.-]+:/.test(url) || /^https?:/.test(source)) return url;
  const base = dirname(source);
  return pathToFileURL(isAbsolute(url) ? url : resolve(base, url)).href;
}
