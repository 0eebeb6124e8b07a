import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { runCli } from "../helpers/run-cli.js";
import { makeTempDir } from "../helpers/temp-dir.js";

describe("an HTTP port that is taken", () => {
  it("stops start-up with exit 2 and says what to do", async () => {
    const dir = makeTempDir();
    const taken = createServer();
    await new Promise<void>((ok) => taken.listen(0, "127.0.0.1", ok));
    const port = (taken.address() as AddressInfo).port;
    try {
      const r = await runCli(
        ["start", "--data-dir", join(dir.path, "data"), "--http-port", String(port)],
        "",
      );
      assert.equal(r.code, 2, r.stderr);
      assert.equal(
        r.stderr,
        `errand: Cannot listen on 127.0.0.1:${port} (the port is in use). Pick another with --http-port, or 0 for any free port.\n`,
      );
    } finally {
      taken.close();
      dir.remove();
    }
  });
});
