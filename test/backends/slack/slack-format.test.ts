import assert from "node:assert/strict";
import {
  renderForSlack,
  SLACK_MESSAGE_LIMIT,
  splitForSlack,
} from "../../../src/backends/slack/slack-format.js";

describe("renderForSlack", () => {
  const cases: [string, string, string][] = [
    ["bold", "**deploy** and __api__ passed", "*deploy* and *api* passed"],
    ["strike-through", "~~flaky~~ fixed", "~flaky~ fixed"],
    [
      "links",
      "see [build #12](https://ci.example.com/job/x/12/)",
      "see <https://ci.example.com/job/x/12/|build #12>",
    ],
    ["headings", "# Plugins\n## hello", "*Plugins*\n*hello*"],
    ["code spans as they are", "run `**not bold**` now", "run `**not bold**` now"],
    [
      "code blocks as they are, without a language tag",
      "```ts\nconst a = **b**;\n```",
      "```\nconst a = **b**;\n```",
    ],
    [
      "&, < and > escaped, so no reply forges a mention",
      "a < b && <!channel>",
      "a &lt; b &amp;&amp; &lt;!channel&gt;",
    ],
    ["escaped inside code too", "`<tag>`", "`&lt;tag&gt;`"],
    ["snake_case words left alone", "my__var__name and __init__", "my__var__name and *init*"],
    ["plain text unchanged", "Up 3s, since 2024-01-01", "Up 3s, since 2024-01-01"],
  ];
  for (const [what, markdown, mrkdwn] of cases) {
    it(`renders ${what}`, () => assert.equal(renderForSlack(markdown), mrkdwn));
  }
});

describe("splitForSlack", () => {
  it("keeps a short reply whole and drops an empty one", () => {
    assert.deepEqual(splitForSlack("hello"), ["hello"]);
    assert.deepEqual(splitForSlack(""), []);
  });

  it("cuts on line boundaries, each message under the limit, every line once and in order", () => {
    const lines = Array.from({ length: 50 }, (_, i) => `line ${i} ${"y".repeat(i % 7)}`);
    const parts = splitForSlack(lines.join("\n"), 100);
    assert.ok(parts.length > 1);
    for (const p of parts) assert.ok(p.length <= 100, p);
    assert.deepEqual(parts.join("\n").split("\n"), lines);
  });

  it("cuts a line longer than a message where it must", () => {
    const long = "z".repeat(250);
    const parts = splitForSlack(long, 100);
    for (const p of parts) assert.ok(p.length <= 100);
    assert.equal(parts.join(""), long);
  });

  it("closes a code block at the cut and reopens it in the next message", () => {
    const code = Array.from({ length: 30 }, (_, i) => `  step ${i}`);
    const parts = splitForSlack(["before", "```", ...code, "```", "after"].join("\n"), 120);
    for (const p of parts) {
      assert.ok(p.length <= 120, p);
      assert.equal(p.split("```").length % 2, 1, `unbalanced: ${p}`);
    }
    const inner = parts.slice(1, -1);
    assert.ok(inner.length > 0);
    for (const p of inner) assert.match(p, /^```\n[\s\S]*\n```$/);
    const text = parts.map((p) => p.replace(/^```\n/, "").replace(/\n```$/, "")).join("\n");
    for (const line of code) assert.ok(text.includes(line));
  });

  it("uses a limit well under Slack's 4,000 characters", () => {
    assert.ok(SLACK_MESSAGE_LIMIT <= 4_000);
  });
});
