import assert from "node:assert/strict";
import { compileNetRules, isUrlAllowed } from "../../src/sandbox/net-policy.js";

describe("net policy", () => {
  const allowed = (patterns: string[], url: string, config: Record<string, unknown> = {}) =>
    isUrlAllowed(new URL(url), compileNetRules(patterns, config));

  it("allows an exact host on the scheme's default port only", () => {
    assert.ok(allowed(["ci.example.com"], "https://ci.example.com/job/x"));
    assert.ok(allowed(["ci.example.com"], "http://CI.example.com/"));
    assert.ok(!allowed(["ci.example.com"], "https://ci.example.com:8443/"));
    assert.ok(!allowed(["ci.example.com"], "https://evil.example.com/"));
    assert.ok(!allowed(["ci.example.com"], "https://ci.example.com.evil.net/"));
  });

  it("allows an explicit port only", () => {
    assert.ok(allowed(["ci.internal:8443"], "https://ci.internal:8443/"));
    assert.ok(!allowed(["ci.internal:8443"], "https://ci.internal/"));
  });

  it("allows sub-domains for *. but not the bare domain", () => {
    assert.ok(allowed(["*.ci.internal"], "https://a.b.ci.internal/"));
    assert.ok(!allowed(["*.ci.internal"], "https://ci.internal/"));
    assert.ok(!allowed(["*.ci.internal"], "https://xci.internal/"));
  });

  it("takes config:KEY from the configured URL, port included", () => {
    assert.ok(allowed(["config:url"], "http://127.0.0.1:8080/api", { url: "http://127.0.0.1:8080" }));
    assert.ok(!allowed(["config:url"], "http://127.0.0.1:8081/api", { url: "http://127.0.0.1:8080" }));
    assert.ok(!allowed(["config:url"], "http://127.0.0.1:8080/", {}), "unset config grants nothing");
    assert.ok(!allowed(["config:url"], "http://127.0.0.1:8080/", { url: "not a url" }));
  });

  it("allows only http and https", () => {
    assert.ok(!allowed(["localhost"], "file://localhost/etc/passwd"));
    assert.ok(!allowed(["localhost"], "ftp://localhost/"));
  });
});
