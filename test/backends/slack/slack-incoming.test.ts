import assert from "node:assert/strict";
import { decodeSlackText, stripMention } from "../../../src/backends/slack/slack-incoming.js";

describe("Slack message text", () => {
  it("takes a leading mention of the bot as addressing it, and strips it", () => {
    assert.deepEqual(stripMention("<@UBOT> status", "UBOT"), { text: "status", addressed: true });
    assert.deepEqual(stripMention("  <@UBOT|errand>: echo hi", "UBOT"), { text: "echo hi", addressed: true });
    assert.deepEqual(stripMention("<@UBOT>, help", "UBOT"), { text: "help", addressed: true });
  });

  it("does not take a mention of someone else, or one in the middle, as addressing the bot", () => {
    assert.deepEqual(stripMention("<@UALICE> status", "UBOT"), {
      text: "<@UALICE> status",
      addressed: false,
    });
    assert.deepEqual(stripMention("ask <@UBOT> later", "UBOT"), {
      text: "ask <@UBOT> later",
      addressed: false,
    });
  });

  it("turns Slack's markup back into what the user typed", () => {
    assert.equal(decodeSlackText("!auth add <@UALICE> ops"), "!auth add @UALICE ops");
    assert.equal(decodeSlackText("!schedule add <#COPS|ops> !status"), "!schedule add #ops !status");
    assert.equal(
      decodeSlackText("!jenkins config url=<https://ci.example.com/a?b=1&amp;c=2|ci.example.com>"),
      "!jenkins config url=https://ci.example.com/a?b=1&c=2",
    );
    assert.equal(decodeSlackText("<!here> a &lt; b &amp;&amp; c &gt; d"), "@here a < b && c > d");
    assert.equal(decodeSlackText("&amp;lt; stays text"), "&lt; stays text");
  });
});
