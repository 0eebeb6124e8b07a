import { resolve } from "node:path";
import {
  type DocBlock,
  type DocComment,
  StandardTags,
  TextRange,
  TSDocConfiguration,
  TSDocParser,
} from "@microsoft/tsdoc";
import { TSDocConfigFile } from "@microsoft/tsdoc-config";
import ts from "typescript";
import { DocsError } from "../errors.js";
import { packageRoot } from "../paths.js";
import { type CommandDoc, commandNameFromFunction, type ParamDoc } from "./command-doc.js";
import { renderDocNode } from "./render-doc-node.js";

/**
 * Turns a plugin module's source into command docs: every exported function, with its TSDoc summary,
 * params, examples and Errand's tags (registered in the host's tsdoc.json). One extractor serves the
 * core plugins (at build time) and sandboxed plugins (at install time), so help reads the same for both.
 */
let parser: TSDocParser | undefined;

function getParser(): TSDocParser {
  if (!parser) {
    const configuration = new TSDocConfiguration();
    const configFile = TSDocConfigFile.loadFile(resolve(packageRoot, "tsdoc.json"));
    if (configFile.hasErrors) throw new Error(`tsdoc.json: ${configFile.getErrorSummary()}`);
    configFile.configureParser(configuration);
    parser = new TSDocParser(configuration);
  }
  return parser;
}

export function extractDocs(fileName: string, sourceText: string): CommandDoc[] {
  const source = ts.createSourceFile(fileName, sourceText, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const docs: CommandDoc[] = [];
  for (const statement of source.statements) {
    const fn = exportedFunction(statement);
    if (fn) docs.push(documentFunction(source, statement, fn.name, fn.params));
  }
  return docs;
}

interface FoundFunction {
  name: string;
  params: ts.NodeArray<ts.ParameterDeclaration>;
}

function exportedFunction(statement: ts.Statement): FoundFunction | undefined {
  if (!hasExportModifier(statement)) return undefined;
  if (ts.isFunctionDeclaration(statement) && statement.name) {
    return { name: statement.name.text, params: statement.parameters };
  }
  if (ts.isVariableStatement(statement)) {
    const decl = statement.declarationList.declarations[0];
    const init = decl?.initializer;
    if (
      decl &&
      ts.isIdentifier(decl.name) &&
      init &&
      (ts.isArrowFunction(init) || ts.isFunctionExpression(init))
    ) {
      return { name: decl.name.text, params: init.parameters };
    }
  }
  return undefined;
}

function hasExportModifier(node: ts.Node): boolean {
  return (
    ts.canHaveModifiers(node) &&
    (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword)
  );
}

function documentFunction(
  source: ts.SourceFile,
  statement: ts.Statement,
  exportName: string,
  params: ts.NodeArray<ts.ParameterDeclaration>,
): CommandDoc {
  const line = source.getLineAndCharacterOfPosition(statement.getStart(source)).line + 1;
  const where = `${source.fileName}:${line}`;
  const text = source.getFullText();
  const range = (ts.getLeadingCommentRanges(text, statement.getFullStart()) ?? [])
    .filter((r) => text.startsWith("/**", r.pos))
    .pop();
  if (!range) {
    throw new DocsError(
      `${where}: exported function ${exportName} has no TSDoc comment. Every exported function is a command ` +
        "and its comment is its help: add /** One sentence saying what it does. */ (or tag it @internal).",
    );
  }
  const context = getParser().parseRange(TextRange.fromStringRange(text, range.pos, range.end));
  const comment = context.docComment;
  const rawComment = text.slice(range.pos, range.end);
  const internal = comment.modifierTagSet.isInternal();
  const summary = renderDocNode(comment.summarySection);
  if (!summary && !internal) {
    throw new DocsError(
      `${where}: exported function ${exportName} has no summary. Start its TSDoc comment with a sentence ` +
        "saying what the command does: it is the command's help text.",
    );
  }
  const commandTag = blockText(comment, "@command");
  return {
    exportName,
    command: normalizeWords(commandTag || commandNameFromFunction(exportName)),
    summary,
    remarks: renderDocNode(comment.remarksBlock?.content),
    params: documentParams(params, comment),
    examples: comment.customBlocks
      .filter((b) => b.blockTag.tagNameWithUpperCase === StandardTags.example.tagNameWithUpperCase)
      .map((b) => renderDocNode(b.content))
      .filter((e) => e.length > 0),
    admin: hasModifier(comment, "@admin"),
    hidden: hasModifier(comment, "@hidden"),
    internal,
    webhook: hasModifier(comment, "@webhook"),
    unsigned: hasModifier(comment, "@unsigned"),
    match: rawTag(rawComment, "@match"),
    approval: blockText(comment, "@approval") || null,
    file: source.fileName,
    line,
  };
}

function documentParams(params: ts.NodeArray<ts.ParameterDeclaration>, comment: DocComment): ParamDoc[] {
  // The first parameter is the context; the rest are the command's arguments.
  return params.slice(1).map((p) => {
    const name = ts.isIdentifier(p.name) ? p.name.text : p.name.getText();
    const block = comment.params.tryGetBlockByName(name);
    return {
      name,
      description: renderDocNode(block?.content).replace(/^-\s*/, ""),
      optional: p.questionToken !== undefined || p.initializer !== undefined,
      rest: p.dotDotDotToken !== undefined,
    };
  });
}

function findBlock(comment: DocComment, tag: string): DocBlock | undefined {
  return comment.customBlocks.find((b) => b.blockTag.tagNameWithUpperCase === tag.toUpperCase());
}

function blockText(comment: DocComment, tag: string): string {
  return renderDocNode(findBlock(comment, tag)?.content).trim();
}

function hasModifier(comment: DocComment, tag: string): boolean {
  return comment.modifierTagSet.hasTagName(tag);
}

/**
 * The raw text after a tag, up to the end of its line. `@match` holds a regular expression, whose
 * backslashes and braces TSDoc would read as escapes and inline tags, so it is read from the source.
 */
function rawTag(rawComment: string, tag: string): string | null {
  for (const line of rawComment.split("\n")) {
    const stripped = line.replace(/^\s*\/?\*+\s?/, "").replace(/\*\/\s*$/, "");
    if (stripped.startsWith(`${tag} `)) return stripped.slice(tag.length).trim() || null;
  }
  return null;
}

function normalizeWords(words: string): string {
  return words.trim().split(/\s+/).join(" ").toLowerCase();
}
