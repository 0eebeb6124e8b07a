import assert from "node:assert/strict";
import { compileNetRules } from "../../src/sandbox/net-policy.js";
import { pluginFetch } from "../../src/sandbox/plugin-http.js";
import { startHttpServer } from "../helpers/http-server.js";

describe("pluginFetch", () => {
  let server: Awaited<ReturnType<typeof startHttpServer>>;
  let seen: { method?: string; headers: Record<string, unknown>; body: string }[] = [];
  before(async () => {
    server = await startHttpServer((req, res) => {
      let body = "";
      req.on("data", (c) => {
        body += c;
      });
      req.on("end", () => {
        seen.push({ method: req.method, headers: req.headers, body });
        if (req.url === "/big") res.end("z".repeat(5000));
        else if (req.url === "/slow") setTimeout(() => res.end("late"), 2000);
        else if (req.url === "/json") res.setHeader("content-type", "application/json").end('{"a":1}');
        else if (req.url === "/see-other") res.writeHead(303, { location: "/json" }).end();
        else res.end("ok");
      });
    });
  });
  beforeEach(() => {
    seen = [];
  });
  after(() => server.close());

  const rules = () => compileNetRules(["config:url"], { url: server.url });
  const request = (path: string, extra: Partial<Parameters<typeof pluginFetch>[1]> = {}) =>
    pluginFetch("p", { method: "GET", url: `${server.url}${path}`, headers: {}, ...extra }, rules(), {
      maxResponseBytes: 1000,
      timeoutMs: 500,
      maxRedirects: 2,
    });

  it("parses a JSON response", async () => {
    const res = await request("/json");
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, { a: 1 });
  });

  it("sends a form body and basic auth", async () => {
    await request("/x", {
      method: "POST",
      body: { form: { a: "1", b: "two words" } },
      auth: { user: "u", password: "p" },
    });
    assert.equal(seen[0]?.body, "a=1&b=two+words");
    assert.equal(seen[0]?.headers["content-type"], "application/x-www-form-urlencoded");
    assert.equal(seen[0]?.headers.authorization, `Basic ${Buffer.from("u:p").toString("base64")}`);
  });

  it("follows a 303 as a GET to an allowed place", async () => {
    const res = await request("/see-other", { method: "POST", body: { json: { x: 1 } } });
    assert.deepEqual(res.json, { a: 1 });
    assert.equal(seen[1]?.method, "GET");
  });

  it("refuses a response over the size limit", async () => {
    await assert.rejects(request("/big"), /the response is 5000 bytes; the limit is 1000/);
  });

  it("gives up on a slow server at the time limit", async () => {
    await assert.rejects(request("/slow"), /no answer within 500 ms/);
  });

  it("says clearly when nothing listens", async () => {
    const gone = await startHttpServer(() => {});
    await gone.close();
    const rulesFor = compileNetRules([`127.0.0.1:${gone.port}`], {});
    await assert.rejects(
      pluginFetch("p", { method: "GET", url: `${gone.url}/`, headers: {} }, rulesFor),
      /connection refused \(is the server running\?\)/,
    );
  });
});
