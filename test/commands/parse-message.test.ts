import assert from "node:assert/strict";
import { buildArguments, tokenize } from "../../src/commands/parse-message.js";

const values = (text: string) => tokenize(text).map((t) => t.value);

describe("tokenize", () => {
  it("splits on any whitespace", () => {
    assert.deepEqual(values("  repos   install\tx\n"), ["repos", "install", "x"]);
  });

  it("groups double-quoted words and drops the quotes", () => {
    assert.deepEqual(values('echo "hello world" bye'), ["echo", "hello world", "bye"]);
  });

  it("groups single-quoted words that open a token", () => {
    assert.deepEqual(values("say 'a b' c"), ["say", "a b", "c"]);
  });

  it("keeps apostrophes inside words as letters", () => {
    assert.deepEqual(values("echo it's Bob's turn"), ["echo", "it's", "Bob's", "turn"]);
  });

  it("quotes a value after key=", () => {
    assert.deepEqual(values(`build msg="two words" tag='v 1'`), ["build", "msg=two words", "tag=v 1"]);
  });

  it("treats an unmatched quote as a literal character", () => {
    assert.deepEqual(values('echo "unterminated words'), ["echo", '"unterminated', "words"]);
  });

  it('unescapes \\" inside double quotes', () => {
    assert.deepEqual(values('echo "say \\"hi\\""'), ["echo", 'say "hi"']);
  });

  it("reads smart quotes as plain quotes", () => {
    assert.deepEqual(values("echo “two words” ‘and more’"), ["echo", "two words", "and more"]);
  });

  it("has no shell features: variables, globs and operators are plain text", () => {
    assert.deepEqual(values("echo $HOME *.ts > out | x"), ["echo", "$HOME", "*.ts", ">", "out", "|", "x"]);
  });

  it("keeps an empty quoted argument", () => {
    assert.deepEqual(values('set name ""'), ["set", "name", ""]);
  });

  it("returns nothing for blank text", () => {
    assert.deepEqual(values("   \t "), []);
  });

  it("does not choke on binary garbage", () => {
    const garbage = String.fromCharCode(...Array.from({ length: 512 }, (_, i) => (i * 37) % 256));
    assert.ok(Array.isArray(tokenize(garbage)));
  });
});

describe("buildArguments", () => {
  it("gives key=value tokens as options and keeps them in args", () => {
    const text = "jenkins build deploy branch=main debug=";
    const a = buildArguments(text, tokenize(text), 2);
    assert.deepEqual(a.args, ["deploy", "branch=main", "debug="]);
    assert.deepEqual(a.positional, ["deploy"]);
    assert.deepEqual({ ...a.options }, { branch: "main", debug: "" });
  });

  it("does not take a quoted token or a URL for an option", () => {
    const text = 'open "a=b" https://x.test/?q=1';
    const a = buildArguments(text, tokenize(text), 1);
    assert.deepEqual(a.positional, ["a=b", "https://x.test/?q=1"]);
    assert.deepEqual({ ...a.options }, {});
  });

  it("gives the raw text after the command words", () => {
    const text = 'echo  "quoted  words" stay';
    assert.equal(buildArguments(text, tokenize(text), 1).text, '"quoted  words" stay');
  });

  it("gives empty text when there are no arguments", () => {
    assert.equal(buildArguments("status", tokenize("status"), 1).text, "");
  });
});
