import { spawnSync } from "node:child_process";

/** What `errand new-plugin` could do with git. None of it fails the scaffold: the author is told what is left. */
export type PluginRepoOutcome =
  | { kind: "committed" }
  /** A repo, but no commit (git knows no author, or refused): `why` says it. */
  | { kind: "uncommitted"; why: string; noIdentity: boolean }
  /** No repo: git is missing or `git init` failed. */
  | { kind: "none"; why: string }
  /** The folder is inside another repo: a nested one would hide the plugin from it. */
  | { kind: "inside"; top: string };

/**
 * Makes the new plugin folder a git repo with a first commit, so that `!repos install file://DIR` installs it
 * as it is (installs take commits, not the working tree).
 */
export function initPluginRepo(dir: string, message: string): PluginRepoOutcome {
  const inside = git(dir, "rev-parse", "--show-toplevel");
  if (inside.error) {
    const missing = (inside.error as NodeJS.ErrnoException).code === "ENOENT";
    return { kind: "none", why: missing ? "git is not installed" : inside.error.message };
  }
  if (inside.status === 0) return { kind: "inside", top: inside.stdout.trim() };
  const init = git(dir, "init", "--quiet");
  if (init.status !== 0) return { kind: "none", why: `git init failed: ${firstLine(init.stderr)}` };
  const add = git(dir, "add", "--all");
  if (add.status !== 0) return { kind: "uncommitted", why: firstLine(add.stderr), noIdentity: false };
  const commit = git(dir, "commit", "--quiet", "-m", message);
  if (commit.status === 0) return { kind: "committed" };
  // "Author identity unknown", "Please tell me who you are", "unable to auto-detect email address",
  // "empty ident name (for <>) not allowed"
  const noIdentity = /ident|who you are|auto-detect/i.test(commit.stderr);
  return {
    kind: "uncommitted",
    why: noIdentity
      ? "git does not know who you are (no user.name and user.email)"
      : firstLine(commit.stderr),
    noIdentity,
  };
}

function git(cwd: string, ...args: string[]) {
  return spawnSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

function firstLine(text: string): string {
  return (
    text
      .split("\n")
      .map((l) => l.trim())
      .find((l) => l.length > 0 && !l.startsWith("hint:")) ?? "unknown error"
  );
}
