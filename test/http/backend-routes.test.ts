import assert from "node:assert/strict";
import { NotFoundError } from "../../src/errors.js";
import { type HttpAnswer, startHttpServer } from "../../src/http/http-server.js";
import { createLogger } from "../../src/log.js";
import { makeTempDir } from "../helpers/temp-dir.js";

describe("a backend's routes on the HTTP server", () => {
  let dir: ReturnType<typeof makeTempDir>;
  let server: Awaited<ReturnType<typeof startHttpServer>>;
  let answer: HttpAnswer;
  before(async () => {
    dir = makeTempDir();
    server = await startHttpServer(
      0,
      {
        health: () => ({ status: "ok" }),
        hook: () => {
          throw new NotFoundError("no hooks here");
        },
        routes: [{ method: "POST", path: "/events", handle: async () => answer }],
      },
      createLogger(dir.path, "info"),
      1000,
    );
  });
  after(async () => {
    await server.close();
    dir.remove();
  });

  const postEvent = () => fetch(`http://127.0.0.1:${server.port}/events`, { method: "POST", body: "{}" });

  it("states the length of the route's answer itself, whatever length header the route gave", async () => {
    answer = {
      status: 200,
      headers: { "content-type": "application/json", "Content-Length": "2", "Transfer-Encoding": "chunked" },
      body: '{"ok":"naïve"}',
    };
    const res = await postEvent();
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/json");
    assert.equal(res.headers.get("content-length"), String(Buffer.byteLength('{"ok":"naïve"}')));
    assert.equal(res.headers.get("transfer-encoding"), null);
    assert.equal(await res.text(), '{"ok":"naïve"}');
  });

  it("sends a route's 204 without a length or a body", async () => {
    answer = { status: 204, headers: { "x-seen": "yes" }, body: "" };
    const res = await postEvent();
    assert.equal(res.status, 204);
    assert.equal(res.headers.get("x-seen"), "yes");
    assert.equal(res.headers.get("content-length"), null);
    assert.equal(await res.text(), "");
  });
});
