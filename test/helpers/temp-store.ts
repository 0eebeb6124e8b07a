import { Store } from "../../src/storage/store.js";
import { makeTempDir } from "./temp-dir.js";

/** A real LevelDB in a fresh temp dir; `reopen` simulates a restart, `remove` cleans up. */
export async function openTempStore() {
  const dir = makeTempDir();
  const handle = {
    dir: dir.path,
    store: await Store.open(dir.path),
    async reopen() {
      await handle.store.close();
      handle.store = await Store.open(dir.path);
      return handle.store;
    },
    async remove() {
      await handle.store.close();
      dir.remove();
    },
  };
  return handle;
}
