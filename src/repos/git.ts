import type { SimpleGit } from "simple-git";
import { RepoError } from "../errors.js";

const GIT_TIMEOUT_MS = 120_000;

/**
 * Git for plugin repos. Only plain transports are allowed (`ext::` and friends could run commands), and
 * git never prompts: a repo that needs credentials fails with a message instead of hanging the bot.
 */
async function git(dir?: string): Promise<SimpleGit> {
  // Loaded on first use: a bot that installs nothing should not carry simple-git in memory.
  const { simpleGit } = await import("simple-git");
  // Only what git needs: the bot's own environment (editors, pagers, tokens) is not handed to it.
  const passed = [
    "PATH",
    "HOME",
    "SSH_AUTH_SOCK",
    "HTTPS_PROXY",
    "HTTP_PROXY",
    "NO_PROXY",
    "https_proxy",
    "http_proxy",
    "no_proxy",
  ];
  const env = Object.fromEntries(
    passed.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k] as string]),
  );
  return simpleGit({
    baseDir: dir,
    timeout: { block: GIT_TIMEOUT_MS },
    // simple-git guards these because a caller could inject commands through them; here they are
    // Errand's own fixed values, which make git safer (no prompts, no exotic transports).
    unsafe: { allowUnsafeSshCommand: true },
    allowEnvironment: ["GIT_TERMINAL_PROMPT", "GIT_ALLOW_PROTOCOL", "GIT_SSH_COMMAND"],
  }).env({
    ...env,
    GIT_TERMINAL_PROMPT: "0",
    GIT_ALLOW_PROTOCOL: "file:https:http:ssh:git",
    GIT_SSH_COMMAND: process.env.GIT_SSH_COMMAND ?? "ssh -o BatchMode=yes",
  });
}

/** Is this something `git clone` takes (as opposed to a catalogue name)? */
export function looksLikeGitUrl(s: string): boolean {
  return /^(file|https?|ssh|git):\/\//.test(s) || /^[\w.-]+@[\w.-]+:/.test(s);
}

/** Clones without checking out; the caller resolves and checks out a pinned commit. */
export async function cloneRepo(url: string, dir: string): Promise<void> {
  try {
    await (await git()).clone(url, dir, ["--no-checkout", "--quiet"]);
  } catch (err) {
    throw new RepoError(
      `Could not clone ${url}: ${gitReason(err)}. Check the URL, and that this machine can reach it.`,
      { cause: err },
    );
  }
}

export interface ResolvedRef {
  commit: string;
  /** What the commit was found as: a branch or tag name, or the commit itself. */
  ref: string;
}

/**
 * A branch, tag or commit → full commit id. No ref: the remote's default branch, whatever it is called.
 */
export async function resolveRef(dir: string, ref?: string): Promise<ResolvedRef> {
  const g = await git(dir);
  if (ref === undefined) {
    const head = (
      await g.raw(["symbolic-ref", "--quiet", "refs/remotes/origin/HEAD"]).catch(() => "")
    ).trim();
    const branch = head.replace("refs/remotes/origin/", "");
    if (!branch)
      throw new RepoError(
        "The repository has no default branch (is it empty?). Name a branch, tag or commit.",
      );
    return { commit: await revParse(g, `refs/remotes/origin/${branch}`), ref: branch };
  }
  for (const candidate of [`refs/remotes/origin/${ref}`, `refs/tags/${ref}`]) {
    const commit = await revParse(g, candidate).catch(() => "");
    if (commit) return { commit, ref };
  }
  if (/^[0-9a-f]{4,40}$/i.test(ref)) {
    const commit = await revParse(g, ref).catch(() => "");
    if (commit) return { commit, ref: commit.slice(0, 12) };
  }
  throw new RepoError(`The repository has no branch, tag or commit called "${ref}".`);
}

export async function checkoutCommit(dir: string, commit: string): Promise<void> {
  await (await git(dir)).raw(["checkout", "--quiet", "--detach", commit]);
}

/** Subjects of the commits in `from..to`, newest first; null when `from` is not an ancestor (history rewritten). */
export async function commitSubjects(dir: string, from: string, to: string): Promise<string[] | null> {
  const g = await git(dir);
  const ancestor = await g
    .raw(["merge-base", "--is-ancestor", from, to])
    .then(() => true)
    .catch(() => false);
  if (!ancestor) return null;
  const out = await g.raw(["log", "--format=%h %s", `${from}..${to}`]);
  return out.split("\n").filter((l) => l.trim() !== "");
}

async function revParse(g: SimpleGit, rev: string): Promise<string> {
  const out = (await g.raw(["rev-parse", "--verify", "--quiet", `${rev}^{commit}`])).trim();
  if (!/^[0-9a-f]{40}$/.test(out)) throw new RepoError(`no commit ${rev}`);
  return out;
}

function gitReason(err: unknown): string {
  const lines = ((err as Error).message ?? String(err))
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.startsWith("fatal:") || l.startsWith("error:"));
  return (lines[0] ?? (err as Error).message ?? "unknown error").replace(/^(fatal|error):\s*/, "");
}
