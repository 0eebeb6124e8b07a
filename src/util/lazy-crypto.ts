import { createRequire } from "node:module";
import { lazy } from "./lazy.js";

/**
 * node:crypto, loaded on first use. Without Node's start-up snapshot (isolated-vm needs it off), loading
 * it compiles some twenty internal modules, about 10 ms of every start; a bot answers its first command
 * without it.
 */
const crypto = lazy(() => createRequire(import.meta.url)("node:crypto") as typeof import("node:crypto"));

/** `bytes` random bytes as hex: ids people quote (errors, approvals, timers) and temporary names. */
export function randomHex(bytes: number): string {
  return crypto().randomBytes(bytes).toString("hex");
}

export function randomUUID(): string {
  return crypto().randomUUID();
}

export function sha256(): import("node:crypto").Hash {
  return crypto().createHash("sha256");
}
