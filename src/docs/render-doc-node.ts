import {
  type DocCodeSpan,
  type DocEscapedText,
  type DocFencedCode,
  type DocLinkTag,
  type DocNode,
  DocNodeKind,
  type DocPlainText,
} from "@microsoft/tsdoc";

/**
 * Renders a TSDoc node as chat text (Markdown-ish: `code`, fenced blocks, links as their text).
 * Paragraph breaks become blank lines; soft breaks become spaces, as in Markdown.
 */
export function renderDocNode(node: DocNode | undefined): string {
  if (!node) return "";
  return collapse(render(node));
}

function render(node: DocNode): string {
  switch (node.kind) {
    case DocNodeKind.PlainText:
      return (node as DocPlainText).text;
    case DocNodeKind.SoftBreak:
      return " ";
    case DocNodeKind.EscapedText:
      return (node as DocEscapedText).decodedText;
    case DocNodeKind.CodeSpan:
      return `\`${(node as DocCodeSpan).code}\``;
    case DocNodeKind.FencedCode:
      return `\n\`\`\`\n${(node as DocFencedCode).code.replace(/\n$/, "")}\n\`\`\`\n`;
    case DocNodeKind.LinkTag: {
      const link = node as DocLinkTag;
      return link.linkText ?? link.urlDestination ?? "";
    }
    case DocNodeKind.Paragraph:
      return `${renderChildren(node)}\n\n`;
    case DocNodeKind.ErrorText:
    case DocNodeKind.HtmlStartTag:
    case DocNodeKind.HtmlEndTag:
      // Stray characters TSDoc could not parse (a lone "@", "{", or "<b>"): show them as written.
      return sourceText(node);
    default:
      return renderChildren(node);
  }
}

function renderChildren(node: DocNode): string {
  return node
    .getChildNodes()
    .map((c) => render(c))
    .join("");
}

function sourceText(node: DocNode): string {
  const withExcerpt = node as DocNode & { errorLocation?: unknown; text?: string; emitAsHtml?: () => string };
  if (typeof withExcerpt.emitAsHtml === "function") return withExcerpt.emitAsHtml();
  return withExcerpt.text ?? "";
}

function collapse(text: string): string {
  return text
    .split("\n")
    .map((l) => l.replace(/[ \t]+$/, ""))
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}
