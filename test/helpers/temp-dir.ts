import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A fresh temp dir per test; remove it in `after`/`afterEach`. */
export function makeTempDir(label = "errand-test-"): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), label));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
