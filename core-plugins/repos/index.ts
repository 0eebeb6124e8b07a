import { UsageError } from "../../src/errors.js";
import type { CoreContext } from "../../src/plugins/core-context.js";
import { describePermissions } from "../../src/plugins/manifest.js";
import { loadCatalogues, searchCatalogues } from "../../src/repos/catalogue.js";
import { type RepoRecord, short } from "../../src/repos/repo-manager.js";

/**
 * Lists the installed plugin repos: name, version, commit, ref and state.
 * @example !repos
 */
export async function repos(ctx: CoreContext): Promise<string> {
  const records = await ctx.host.repoManager.list();
  if (records.length === 0)
    return `No repos installed. \`${ctx.host.prefix}repos search TERM\` finds some; \`${ctx.host.prefix}repos install URL\` installs one.`;
  return ["Installed repos:", ...records.map((r) => describeRepo(ctx, r))].join("\n");
}

/**
 * Searches the plugin catalogues by name, description and command names.
 * @param term - what to look for
 * @example !repos search jenkins
 */
export async function reposSearch(ctx: CoreContext, term: string): Promise<string> {
  const catalogues = await loadCatalogues(ctx.host.repoManager.catalogues);
  const found = searchCatalogues(catalogues, term);
  const lines = found.length
    ? [
        `Repos matching "${term}":`,
        ...found.map(
          (e) =>
            `  ${e.name}: ${e.description}${e.commands.length ? ` (${e.commands.map((c) => ctx.host.prefix + c).join(", ")})` : ""}`,
        ),
      ]
    : [`No repo in the catalogues matches "${term}".`];
  if (catalogues.problems.length) lines.push(`Could not read: ${catalogues.problems.join("; ")}.`);
  return lines.join("\n");
}

/**
 * Installs a plugin repo from a git URL, or by name from the catalogue, pinned to a commit.
 * A plugin that asks for permissions waits for `!repos approve`.
 * @param target - a git URL (https://, ssh://, git@host:path, file://) or a catalogue name
 * @param ref - a branch, tag or commit (default: the remote's default branch)
 * @example !repos install https://github.com/example/errand-plugin-weather.git
 * @example !repos install hello
 * @example !repos install file:///srv/plugins/deploy.git v1.2.0
 * @command repos install
 * @admin
 */
export async function reposInstall(ctx: CoreContext, target: string, ref?: string): Promise<string> {
  const { record, manifests } = await ctx.host.repoManager.install(target, ref);
  const p = ctx.host.prefix;
  const lines = [`Installed ${record.name} at ${short(record.commit)} (${record.ref}).`];
  for (const m of manifests) {
    const plugin = ctx.host.pluginManager.get(m.name);
    const asks = describePermissions(m.permissions);
    const commands = ctx.host
      .commands()
      .filter((c) => c.plugin === m.name)
      .map((c) => p + c.name);
    if (plugin.status === "waiting-approval") {
      lines.push(
        `${m.name} ${m.version} asks for: ${asks.join("; ")}. It stays inactive until an admin runs \`${p}repos approve ${record.name}\`.`,
      );
    } else if (plugin.status === "active") {
      lines.push(`${m.name} ${m.version} is active. New commands: ${commands.join(", ") || "none"}.`);
    } else {
      lines.push(`${m.name} ${m.version} is ${plugin.status}${plugin.reason ? `: ${plugin.reason}` : ""}.`);
    }
  }
  return lines.join("\n");
}

/**
 * Approves the permissions a repo's plugins ask for (or its waiting update), and starts them.
 * @param name - the repo (or one of its plugins)
 * @example !repos approve jenkins
 * @command repos approve
 * @admin
 */
export async function reposApprove(ctx: CoreContext, name: string): Promise<string> {
  const record = await ctx.host.repoManager.approve(name);
  return [`Approved ${record.name} at ${short(record.commit)}.`, ...pluginStates(ctx, record)].join("\n");
}

/**
 * Updates one repo, or all: fetches, shows the commits it brings, and switches to the new version.
 * If anything fails, the running version stays and the reply says why.
 * @param name - the repo, or `all` (the default)
 * @example !repos update hello
 * @example !repos update
 * @command repos update
 * @admin
 */
export async function reposUpdate(ctx: CoreContext, name = "all"): Promise<string> {
  const manager = ctx.host.repoManager;
  const names = name === "all" ? (await manager.list()).map((r) => r.name) : [name];
  if (names.length === 0) return "No repos installed.";
  const lines: string[] = [];
  for (const n of names) {
    const result = await manager.update(n);
    if (result.outcome === "up-to-date" || result.outcome === "failed") {
      lines.push(result.outcome === "failed" ? `${n}: update failed: ${result.message}` : result.message);
      continue;
    }
    const subjects =
      result.subjects === null
        ? ["(history was rewritten: the old commit is not an ancestor)"]
        : (result.subjects ?? []);
    lines.push(
      `${n}: ${short(result.from ?? "")} → ${short(result.to ?? "")}, ${subjects.length} commit${subjects.length === 1 ? "" : "s"}:`,
    );
    lines.push(...subjects.slice(0, 20).map((s) => `  ${s}`));
    if (subjects.length > 20) lines.push(`  … and ${subjects.length - 20} more`);
    if (result.outcome === "waiting-approval") lines.push(result.message);
    else lines.push(...pluginStates(ctx, await manager.get(n)));
  }
  return lines.join("\n");
}

/**
 * Uninstalls a repo: its plugins' commands are gone and its files removed. Their config and stored
 * data are first saved to a backup file in the data directory.
 * @param name - the repo
 * @example !repos uninstall hello
 * @command repos uninstall
 * @admin
 */
export async function reposUninstall(ctx: CoreContext, name: string): Promise<string> {
  if (name === "all") throw new UsageError("Uninstall repos one at a time.");
  const { record, backup } = await ctx.host.repoManager.uninstall(name);
  return `Uninstalled ${record.name} (${record.plugins.join(", ")}). Its config and stored data were saved to ${backup}.`;
}

function describeRepo(ctx: CoreContext, r: RepoRecord): string {
  const states = r.plugins.map((p) => {
    if (!ctx.host.pluginManager.has(p)) {
      const why = ctx.host.pluginManager.broken().find((b) => b.name === p)?.reason;
      return `${p}: failed (${why ?? "could not be loaded; the log says why"})`;
    }
    const plugin = ctx.host.pluginManager.get(p);
    return `${p} ${plugin.manifest.version}: ${plugin.status}${plugin.reason ? ` (${plugin.reason})` : ""}`;
  });
  const pending = r.pending ? `; update to ${short(r.pending.commit)} waits for approval` : "";
  return `  ${r.name} ${short(r.commit)} (${r.ref})${pending}: ${states.join("; ")}`;
}

function pluginStates(ctx: CoreContext, record: RepoRecord): string[] {
  return record.plugins.map((p) => {
    const plugin = ctx.host.pluginManager.get(p);
    const commands = ctx.host
      .commands()
      .filter((c) => c.plugin === p)
      .map((c) => ctx.host.prefix + c.name);
    return `${p} ${plugin.manifest.version} is ${plugin.status}${plugin.reason ? ` (${plugin.reason})` : ""}${commands.length ? `; commands: ${commands.join(", ")}` : ""}.`;
  });
}
