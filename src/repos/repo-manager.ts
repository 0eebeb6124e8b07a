import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { rename as renameAsync, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { NotFoundError, RepoError } from "../errors.js";
import type { Logger } from "../log.js";
import { hostVersion } from "../paths.js";
import { loadManifest, type PluginManifest, type PluginPermissions } from "../plugins/manifest.js";
import { type PluginManager, unapprovedPermissions } from "../plugins/plugin-manager.js";
import { buildPlugin } from "../sandbox/build-plugin.js";
import type { JsonSublevel } from "../storage/store.js";
import { randomHex } from "../util/lazy-crypto.js";
import { type CatalogueEntry, findEntry, loadCatalogues } from "./catalogue.js";
import { checkoutCommit, cloneRepo, commitSubjects, looksLikeGitUrl, resolveRef } from "./git.js";
import { installDependencies } from "./install-deps.js";

/** What is stored per installed repo. Writing it is the moment an install or update happens. */
export interface RepoRecord {
  name: string;
  url: string;
  /** The branch, tag or commit it follows. */
  ref: string;
  commit: string;
  /** Its checkout, a folder under DATA/repos named after the commit. */
  dir: string;
  /** Where its plugins are inside the repo ("" for the root). */
  subdir: string;
  plugins: string[];
  /** Per plugin, the permissions an admin approved. */
  approved: Record<string, PluginPermissions>;
  /** An update that asks for more permissions, waiting for `!repos approve`. */
  pending?: { commit: string; dir: string; subjects: string[]; asks: string[] };
  installedAt: string;
  updatedAt: string;
}

export interface RepoManagerOptions {
  db: JsonSublevel;
  plugins: PluginManager;
  log: Logger;
  dataDir: string;
  buildCacheDir: string;
  catalogues: readonly string[];
}

const NO_PERMISSIONS: PluginPermissions = { net: [], webhooks: false, schedule: false };

export interface InstallResult {
  record: RepoRecord;
  manifests: PluginManifest[];
}

interface Checkout {
  temp: string;
  commit: string;
  ref: string;
  manifests: PluginManifest[];
}

export interface UpdateResult {
  name: string;
  outcome: "up-to-date" | "updated" | "waiting-approval" | "failed";
  from?: string;
  to?: string;
  subjects?: string[] | null;
  message: string;
}

/**
 * Plugin repos from git: install, approve, update, uninstall. Every change is built in a temporary
 * folder, moved into place under a name of its own (`NAME@COMMIT`), and only then recorded; start-up
 * removes whatever no record names. So a failure or a kill at any moment leaves the old state or the
 * new one, whole, and nothing that blocks installing again.
 */
export class RepoManager {
  readonly #opts: RepoManagerOptions;
  readonly #reposDir: string;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: RepoManagerOptions) {
    this.#opts = options;
    this.#reposDir = join(options.dataDir, "repos");
  }

  /** Where search and install-by-name look. */
  get catalogues(): readonly string[] {
    return this.#opts.catalogues;
  }

  /** At start: removes leftovers of interrupted work, then loads every installed repo's plugins. */
  async loadInstalled(): Promise<void> {
    mkdirSync(this.#reposDir, { recursive: true });
    const records = await this.list();
    const keep = new Set(records.flatMap((r) => [r.dir, ...(r.pending ? [r.pending.dir] : [])]));
    for (const entry of readdirSync(this.#reposDir)) {
      if (!keep.has(entry)) {
        this.#opts.log.info({ entry }, "removing leftover of an interrupted repos command");
        rmSync(join(this.#reposDir, entry), { recursive: true, force: true });
      }
    }
    for (const record of records) await this.#loadPlugins(record);
  }

  async list(): Promise<RepoRecord[]> {
    const out: RepoRecord[] = [];
    for await (const value of this.#opts.db.values()) out.push(value as RepoRecord);
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  async get(name: string): Promise<RepoRecord> {
    const record = (await this.#opts.db.get(name)) as RepoRecord | undefined;
    if (record) return record;
    const all = await this.list();
    const byPlugin = all.find((r) => r.plugins.includes(name));
    if (byPlugin) return byPlugin;
    throw new NotFoundError(
      `No installed repo called ${name}.${all.length ? ` Installed: ${all.map((r) => r.name).join(", ")}.` : " `!repos install URL` installs one."}`,
    );
  }

  /** Installs from a git URL or a catalogue name, pinned to `ref` (default: the remote's default branch). */
  install(target: string, ref?: string): Promise<InstallResult> {
    return this.#serial(async () => {
      const source = looksLikeGitUrl(target)
        ? { url: target, path: "", name: null }
        : await this.#fromCatalogue(target);
      const checkout = await this.#checkout(source.url, ref, source.path ?? "");
      try {
        const name = source.name ?? repoName(source.url, checkout.manifests);
        if (await this.#opts.db.get(name)) {
          throw new RepoError(
            `${name} is installed already; \`!repos update ${name}\` brings it up to date.`,
          );
        }
        for (const m of checkout.manifests) this.#opts.plugins.checkNameFree(m.name, name);
        const dir = this.#moveIntoPlace(checkout.temp, name, checkout.commit);
        const now = new Date().toISOString();
        const record: RepoRecord = {
          name,
          url: source.url,
          ref: checkout.ref,
          commit: checkout.commit,
          dir,
          subdir: source.path ?? "",
          plugins: checkout.manifests.map((m) => m.name),
          approved: Object.fromEntries(
            checkout.manifests
              .filter((m) => unapprovedPermissions(m.permissions, NO_PERMISSIONS).length === 0)
              .map((m) => [m.name, NO_PERMISSIONS]),
          ),
          installedAt: now,
          updatedAt: now,
        };
        await this.#opts.db.put(name, record);
        await this.#loadPlugins(record);
        return { record, manifests: checkout.manifests };
      } catch (err) {
        rmSync(checkout.temp, { recursive: true, force: true });
        throw err;
      }
    });
  }

  /** Approves what a repo's plugins (or its waiting update) ask for, and starts them. */
  approve(name: string): Promise<RepoRecord> {
    return this.#serial(async () => {
      const record = await this.get(name);
      if (record.pending) return this.#switchTo(record, record.pending.commit, record.pending.dir, true);
      for (const plugin of record.plugins) {
        record.approved[plugin] = this.#opts.plugins.get(plugin).manifest.permissions;
      }
      await this.#opts.db.put(record.name, record);
      for (const plugin of record.plugins) await this.#opts.plugins.approve(plugin);
      return record;
    });
  }

  /** Fetches and, when there is something new, switches to it; on any failure the old version keeps running. */
  update(name: string): Promise<UpdateResult> {
    return this.#serial(async () => {
      const record = await this.get(name);
      let checkout: Checkout | undefined;
      try {
        checkout = await this.#checkout(record.url, record.ref, record.subdir);
        if (checkout.commit === record.commit) {
          rmSync(checkout.temp, { recursive: true, force: true });
          return {
            name: record.name,
            outcome: "up-to-date",
            message: `${record.name} is up to date (${short(record.commit)} on ${record.ref}).`,
          };
        }
        for (const m of checkout.manifests) this.#opts.plugins.checkNameFree(m.name, record.name);
        const subjects = await commitSubjects(checkout.temp, record.commit, checkout.commit);
        const dir = this.#moveIntoPlace(checkout.temp, record.name, checkout.commit);
        checkout = undefined;
        const asks = this.#widened(record, dir);
        if (asks.length > 0) {
          if (record.pending && record.pending.dir !== dir)
            rmSync(join(this.#reposDir, record.pending.dir), { recursive: true, force: true });
          record.pending = { commit: this.#commitOf(dir), dir, subjects: subjects ?? [], asks };
          await this.#opts.db.put(record.name, record);
          return {
            name: record.name,
            outcome: "waiting-approval",
            from: record.commit,
            to: record.pending.commit,
            subjects,
            message: `The new version asks for more: ${asks.join("; ")}. The running version stays until an admin runs \`!repos approve ${record.name}\`.`,
          };
        }
        const from = record.commit;
        await this.#switchTo(record, this.#commitOf(dir), dir, false);
        return { name: record.name, outcome: "updated", from, to: record.commit, subjects, message: "" };
      } catch (err) {
        if (checkout) rmSync(checkout.temp, { recursive: true, force: true });
        this.#opts.log.warn({ repo: name, err }, "update failed");
        const why = (err as Error).message.replace(/([^.!?])$/, "$1.");
        return { name: record.name, outcome: "failed", message: `${why} The running version stays.` };
      }
    });
  }

  /** Removes a repo and its plugins; their config and store go to a backup file first. */
  uninstall(name: string): Promise<{ record: RepoRecord; backup: string }> {
    return this.#serial(async () => {
      const record = await this.get(name);
      const plugins: Record<string, unknown> = {};
      for (const p of record.plugins) {
        if (this.#opts.plugins.has(p)) plugins[p] = await this.#opts.plugins.exportState(p);
      }
      const backupDir = join(this.#opts.dataDir, "backups");
      mkdirSync(backupDir, { recursive: true });
      const backup = join(backupDir, `${record.name}-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
      await writeFile(`${backup}.tmp`, `${JSON.stringify({ repo: record, plugins }, null, 2)}\n`, {
        flush: true,
      });
      await renameAsync(`${backup}.tmp`, backup);
      for (const p of record.plugins) if (this.#opts.plugins.has(p)) await this.#opts.plugins.remove(p);
      await this.#opts.db.del(record.name);
      for (const d of [record.dir, record.pending?.dir]) {
        if (!d) continue;
        this.#opts.plugins.forgetBrokenUnder(join(this.#reposDir, d));
        rmSync(join(this.#reposDir, d), { recursive: true, force: true });
      }
      return { record, backup };
    });
  }

  /** Clones, pins, finds and checks the plugins, installs their dependencies and builds them, in a temp folder. */
  async #checkout(url: string, ref: string | undefined, subdir: string): Promise<Checkout> {
    mkdirSync(this.#reposDir, { recursive: true });
    const temp = join(this.#reposDir, `.tmp-${randomHex(6)}`);
    try {
      await cloneRepo(url, temp);
      const resolved = await resolveRef(temp, ref);
      await checkoutCommit(temp, resolved.commit);
      const dirs = pluginDirs(join(temp, subdir));
      if (dirs.length === 0) {
        throw new RepoError(
          `${url} is not a plugin repo: there is no plugin.json ${subdir ? `in ${subdir}` : "at its root"} or in its sub-folders.`,
        );
      }
      const manifests = dirs.map((d) => loadManifest(d, hostVersion));
      for (const [i, m] of manifests.entries()) {
        await installDependencies(dirs[i] as string, m.name);
        await buildPlugin(dirs[i] as string, m, this.#opts.buildCacheDir);
      }
      return { temp, commit: resolved.commit, ref: resolved.ref, manifests };
    } catch (err) {
      rmSync(temp, { recursive: true, force: true });
      throw err;
    }
  }

  /** Switches a repo's plugins to the checkout in `dir`; if one fails, all go back to the old one. */
  async #switchTo(record: RepoRecord, commit: string, dir: string, approving: boolean): Promise<RepoRecord> {
    const oldDir = record.dir;
    const next = this.#pluginsIn(dir, record.subdir);
    const previous = this.#pluginsIn(oldDir, record.subdir);
    const source = `${record.url} ${record.ref}@${short(commit)}`;
    const switched: string[] = [];
    try {
      // Checked again here: an approval may come after another repo took one of the names.
      for (const name of next.keys()) this.#opts.plugins.checkNameFree(name, record.name);
      for (const [name, { pluginDir, manifest }] of next) {
        if (approving) record.approved[name] = manifest.permissions;
        if (!this.#opts.plugins.has(name)) continue;
        if (approving) this.#opts.plugins.get(name).approved = manifest.permissions;
        await this.#opts.plugins.reload(name, { dir: pluginDir, source });
        switched.push(name);
      }
    } catch (err) {
      const oldSource = `${record.url} ${record.ref}@${short(record.commit)}`;
      for (const name of switched) {
        const back = previous.get(name);
        if (!back) continue;
        await this.#opts.plugins
          .reload(name, { dir: back.pluginDir, source: oldSource })
          .catch((e) => this.#opts.log.error({ err: e, plugin: name }, "could not switch back"));
      }
      if (record.pending?.dir !== dir) rmSync(join(this.#reposDir, dir), { recursive: true, force: true });
      throw err;
    }
    const removed = record.plugins.filter((p) => !next.has(p));
    record.commit = commit;
    record.dir = dir;
    record.plugins = [...next.keys()];
    record.updatedAt = new Date().toISOString();
    delete record.pending;
    await this.#opts.db.put(record.name, record);
    if (oldDir !== dir) {
      this.#opts.plugins.forgetBrokenUnder(join(this.#reposDir, oldDir));
      rmSync(join(this.#reposDir, oldDir), { recursive: true, force: true });
    }
    for (const p of removed) if (this.#opts.plugins.has(p)) await this.#opts.plugins.remove(p);
    for (const [name, { pluginDir }] of next) {
      if (!this.#opts.plugins.has(name)) {
        await this.#opts.plugins.add(pluginDir, source, {
          repo: record.name,
          approved: record.approved[name] ?? NO_PERMISSIONS,
        });
      }
    }
    return record;
  }

  #pluginsIn(dir: string, subdir: string): Map<string, { pluginDir: string; manifest: PluginManifest }> {
    const found = new Map<string, { pluginDir: string; manifest: PluginManifest }>();
    for (const pluginDir of pluginDirs(join(this.#reposDir, dir, subdir))) {
      const manifest = loadManifest(pluginDir, hostVersion);
      found.set(manifest.name, { pluginDir, manifest });
    }
    return found;
  }

  /** What the checkout in `dir` asks for beyond what was approved, per plugin. */
  #widened(record: RepoRecord, dir: string): string[] {
    return pluginDirs(join(this.#reposDir, dir, record.subdir)).flatMap((d) => {
      const m = loadManifest(d, hostVersion);
      return unapprovedPermissions(m.permissions, record.approved[m.name] ?? NO_PERMISSIONS).map(
        (p) => `${m.name}: ${p}`,
      );
    });
  }

  async #loadPlugins(record: RepoRecord): Promise<void> {
    const source = `${record.url} ${record.ref}@${short(record.commit)}`;
    for (const d of pluginDirs(join(this.#reposDir, record.dir, record.subdir))) {
      let name = record.plugins.find((p) => d.endsWith(`/${p}`)) ?? record.plugins[0] ?? record.name;
      try {
        const m = loadManifest(d, hostVersion);
        name = m.name;
        await this.#opts.plugins.add(d, source, {
          repo: record.name,
          approved: record.approved[m.name] ?? NO_PERMISSIONS,
        });
      } catch (err) {
        this.#opts.log.error({ repo: record.name, dir: d, err }, "installed plugin could not be loaded");
        this.#opts.plugins.markBroken(name, d, (err as Error).message);
      }
    }
  }

  async #fromCatalogue(name: string): Promise<{ url: string; path: string; name: string }> {
    const entry: CatalogueEntry = findEntry(await loadCatalogues(this.#opts.catalogues), name);
    return { url: entry.url, path: entry.path ?? "", name: entry.name };
  }

  #moveIntoPlace(temp: string, name: string, commit: string): string {
    const dir = `${name}@${short(commit)}`;
    rmSync(join(this.#reposDir, dir), { recursive: true, force: true });
    renameSync(temp, join(this.#reposDir, dir));
    return dir;
  }

  #commitOf(dir: string): string {
    // The folder name carries the short commit; the full one is read back from its checkout.
    return readHead(join(this.#reposDir, dir));
  }

  /** One repos command at a time, so two on the same repo never interleave. */
  #serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#queue.catch(() => {}).then(work);
    this.#queue = next;
    return next;
  }
}

/** Plugin folders in a checkout: its root, or its sub-folders with a plugin.json. */
export function pluginDirs(root: string): string[] {
  if (existsSync(join(root, "plugin.json"))) return [root];
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter(
      (d) => d.isDirectory() && !d.name.startsWith(".") && existsSync(join(root, d.name, "plugin.json")),
    )
    .map((d) => join(root, d.name))
    .sort();
}

/** A repo with one plugin is named after it; otherwise after its URL. */
function repoName(url: string, manifests: PluginManifest[]): string {
  if (manifests.length === 1) return (manifests[0] as PluginManifest).name;
  const base = basename(url.replace(/\/+$/, "")).replace(/\.git$/, "");
  return (
    base
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, "-")
      .replace(/^-+|-+$/g, "") || "repo"
  );
}

export function short(commit: string): string {
  return commit.slice(0, 7);
}

/** A detached HEAD holds the full commit id. */
function readHead(dir: string): string {
  return readFileSync(join(dir, ".git", "HEAD"), "utf8").trim();
}
