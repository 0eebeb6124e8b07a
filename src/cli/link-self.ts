/**
 * Run by every build (so also by `npm ci`): links node_modules/errand to this checkout, so that the first-party plugin
 * repos in repos/ (and plugins scaffolded by `errand new-plugin`) import `errand/testing` and
 * `errand/plugin` as an outside author does after `npm install errand`.
 */
import { existsSync, lstatSync, mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../paths.js";

const link = join(packageRoot, "node_modules", "errand");
const exists =
  existsSync(link) ||
  (() => {
    try {
      return lstatSync(link).isSymbolicLink();
    } catch {
      return false;
    }
  })();
if (!exists) {
  mkdirSync(join(packageRoot, "node_modules"), { recursive: true });
  symlinkSync("..", link, "dir");
}
