/**
 * fast-check arbitraries for YAML documents that exercise every construct
 * go-yaml v2 accepts: block and flow collections, plain, single- and
 * double-quoted scalars (escapes, folded lines), literal and folded block
 * scalars with indentation and chomping indicators, comments, anchors,
 * aliases, tags (`!!int`, `!local`, `!<verbatim>`, `%TAG` handles), merge
 * keys, complex keys (`? `), document markers and directives, tabs, byte
 * order marks and CRLF line ends; plus YAML token soup and documents with a
 * few characters deleted, doubled or inserted, which mostly give errors.
 *
 * @module
 */

import * as fc from "fast-check";
import { hostileText } from "./arbitraries.ts";

/** A node to render. */
export type YamlTree =
  | { kind: "scalar"; text: string; style: ScalarStyle; props: Props }
  | { kind: "seq"; items: YamlTree[]; flow: boolean; props: Props }
  | { kind: "map"; pairs: [YamlTree, YamlTree][]; flow: boolean; props: Props }
  | { kind: "alias"; name: string };

/** How a scalar is written. */
export type ScalarStyle = "plain" | "single" | "double" | "literal" | "folded";

/** Anchor and tag written before a node. */
export interface Props {
  /** Anchor name. */
  anchor?: string;
  /** Tag as written (`!!int`, `!local`, `!`, `!<tag:yaml.org,2002:str>`, `!e!x`). */
  tag?: string;
}

const ANCHORS = ["a", "b", "base", "x1"];

/** Plain texts that YAML 1.1 resolves in interesting ways, or that end plain scalars early. */
const PLAIN_TEXTS = [
  "a",
  "objectName",
  "secretsmanager",
  "yes",
  "No",
  "on",
  "OFF",
  "y",
  "~",
  "null",
  "",
  "0600",
  "0x1F",
  "0o17",
  "1_000",
  "-0b101",
  "0b2",
  "1e3",
  ".5",
  "1.",
  ".inf",
  "-.Inf",
  ".NaN",
  "1e400",
  "2024-01-02",
  "2024-1-2 3:04:05",
  "2001-12-14t21:59:43.10-05:00",
  "2024-02-30",
  "2023-02-29",
  "2024-01-02 03:04:05,5",
  "2024-01-02T10:00:00+25:00",
  "0000000000000000000001",
  "02000000000000000000000",
  "0x_1F",
  "1__0",
  "12:30",
  "<<",
  "9223372036854775808",
  "18446744073709551616",
  "-9223372036854775809",
  "+12",
  "a b  c",
  "é ü",
  "🙂",
  "x-y_z",
  "a:b",
  "a#b",
  "-a",
  "?a",
  "aGVsbG8=",
  "a\nb",
  "a\n\nb",
  "a\tb",
];

const TAGS = [
  "!!str",
  "!!int",
  "!!float",
  "!!bool",
  "!!null",
  "!!binary",
  "!!timestamp",
  "!!merge",
  "!!map",
  "!!seq",
  "!local",
  "!",
  "!<tag:yaml.org,2002:int>",
  "!<!>",
  "!e!thing",
  "!!%69nt",
];

const textArbitrary: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...PLAIN_TEXTS) },
  { weight: 2, arbitrary: hostileText() },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 8 }) },
);

const propsArbitrary: fc.Arbitrary<Props> = fc.record(
  { anchor: fc.constantFrom(...ANCHORS), tag: fc.constantFrom(...TAGS) },
  { requiredKeys: [] },
);

function props(weightNone: number): fc.Arbitrary<Props> {
  return fc.oneof(
    { weight: weightNone, arbitrary: fc.constant({}) },
    { weight: 1, arbitrary: propsArbitrary },
  );
}

const scalarArbitrary: fc.Arbitrary<YamlTree> = fc.record({
  kind: fc.constant("scalar" as const),
  text: textArbitrary,
  style: fc.constantFrom<ScalarStyle>(
    "plain",
    "plain",
    "plain",
    "single",
    "double",
    "literal",
    "folded",
  ),
  props: props(6),
});

/** A random tree of at most `depth` levels. */
export function yamlTree(depth = 4): fc.Arbitrary<YamlTree> {
  const { tree } = fc.letrec<{ tree: YamlTree; collection: YamlTree }>((tie) => ({
    tree: fc.oneof(
      { depthSize: "small", withCrossShrink: true, maxDepth: depth },
      { weight: 5, arbitrary: scalarArbitrary },
      {
        weight: 1,
        arbitrary: fc.constantFrom(...ANCHORS).map((name): YamlTree => ({ kind: "alias", name })),
      },
      { weight: 4, arbitrary: tie("collection") },
    ),
    collection: fc.oneof(
      fc.record({
        kind: fc.constant("seq" as const),
        items: fc.array(tie("tree"), { maxLength: 4 }),
        flow: fc.boolean(),
        props: props(5),
      }),
      fc.record({
        kind: fc.constant("map" as const),
        pairs: fc.array(
          fc.tuple(
            fc.oneof(
              { weight: 8, arbitrary: scalarArbitrary },
              {
                weight: 1,
                arbitrary: fc.constant<YamlTree>({
                  kind: "scalar",
                  text: "<<",
                  style: "plain",
                  props: {},
                }),
              },
              { weight: 1, arbitrary: tie("tree") },
            ),
            tie("tree"),
          ),
          { maxLength: 4 },
        ),
        flow: fc.boolean(),
        props: props(5),
      }),
    ),
  }));
  return tree;
}

function propsText(props: Props): string {
  return [props.anchor && `&${props.anchor}`, props.tag].filter(Boolean).join(" ");
}

function withProps(props: Props, text: string): string {
  const prefix = propsText(props);
  return prefix === "" ? text : text === "" ? prefix : `${prefix} ${text}`;
}

const DOUBLE_ESCAPES: Record<string, string> = {
  "\n": "\\n",
  "\t": "\\t",
  '"': '\\"',
  "\\": "\\\\",
  "\0": "\\0",
  "\x07": "\\a",
  "\x1b": "\\e",
  "\x85": "\\N",
  "\xa0": "\\_",
  "\u2028": "\\L",
  "\u2029": "\\P",
};

function doubleQuoted(text: string): string {
  let out = '"';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (char in DOUBLE_ESCAPES) out += DOUBLE_ESCAPES[char];
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else if (code > 0xffff) out += `\\U${code.toString(16).padStart(8, "0")}`;
    else if (code > 0x7e && code % 3 === 0) out += `\\u${code.toString(16).padStart(4, "0")}`;
    else out += char;
  }
  return out + '"';
}

/** A scalar in flow position (one line unless the text has line breaks). */
function flowScalar(tree: Extract<YamlTree, { kind: "scalar" }>): string {
  switch (tree.style) {
    case "single":
      return `'${tree.text.replaceAll("'", "''")}'`;
    case "double":
    case "literal":
    case "folded":
      return doubleQuoted(tree.text);
    default:
      return tree.text;
  }
}

/** The tree in flow style. */
export function renderFlow(tree: YamlTree): string {
  switch (tree.kind) {
    case "alias":
      return `*${tree.name}`;
    case "scalar":
      return withProps(tree.props, flowScalar(tree));
    case "seq":
      return withProps(tree.props, `[${tree.items.map(renderFlow).join(", ")}]`);
    case "map": {
      const pairs = tree.pairs.map(([key, value]) =>
        key.kind === "scalar" || key.kind === "alias"
          ? `${renderFlow(key)}: ${renderFlow(value)}`
          : `? ${renderFlow(key)} : ${renderFlow(value)}`
      );
      return withProps(tree.props, `{${pairs.join(", ")}}`);
    }
  }
}

/** A block scalar's header and lines, indented by `indent`. */
function blockScalar(tree: Extract<YamlTree, { kind: "scalar" }>, indent: number): string[] {
  const chomp = tree.text.endsWith("\n") ? "+" : tree.text.length % 2 === 0 ? "-" : "";
  const indicator = tree.text.startsWith(" ") ? "2" : "";
  const header = `${tree.style === "literal" ? "|" : ">"}${indicator}${chomp}`;
  const pad = " ".repeat(indent);
  const lines = tree.text.split("\n").map((line) => (line === "" ? "" : pad + line));
  return [withProps(tree.props, header), ...lines];
}

/** Whether `tree` is written as a block collection (on lines of its own). */
function isBlockCollection(tree: YamlTree): boolean {
  if (tree.kind === "seq") return !tree.flow && tree.items.length > 0;
  return tree.kind === "map" && !tree.flow && tree.pairs.length > 0;
}

/** The lines of a block collection, each indented by `indent`. */
function collectionLines(tree: YamlTree, indent: number): string[] {
  const pad = " ".repeat(indent);
  const lines: string[] = [];
  if (tree.kind === "seq") {
    for (const item of tree.items) {
      const [first, ...rest] = afterIndicator(item, indent + 2, true);
      lines.push(`${pad}- ${first}`, ...rest);
    }
  } else if (tree.kind === "map") {
    for (const [key, value] of tree.pairs) {
      const [first, ...rest] = afterIndicator(value, indent + 2, false);
      if (key.kind === "scalar" && key.style !== "literal" && key.style !== "folded") {
        lines.push(`${pad}${renderFlow(key)}: ${first}`, ...rest);
      } else {
        const [keyFirst, ...keyRest] = afterIndicator(key, indent + 2, true);
        lines.push(`${pad}? ${keyFirst}`, ...keyRest, `${pad}: ${first}`, ...rest);
      }
    }
  }
  return lines;
}

/**
 * `tree` written after an indicator (`- `, `key: `, `? `) at `indent`: the
 * first line continues the indicator's line. A block collection starts on
 * the next line, or on the same one when `compact` (`- k: v`).
 */
function afterIndicator(tree: YamlTree, indent: number, compact: boolean): string[] {
  if (tree.kind === "scalar" && (tree.style === "literal" || tree.style === "folded")) {
    return blockScalar(tree, indent);
  }
  if (!isBlockCollection(tree)) return [renderFlow(tree)];
  const lines = collectionLines(tree, indent);
  const prefix = tree.kind === "alias" ? "" : propsText(tree.props);
  if (prefix !== "") return [prefix, ...lines];
  return compact ? [lines[0].trimStart(), ...lines.slice(1)] : ["", ...lines];
}

/** The tree in block style (a whole document). */
export function renderBlock(tree: YamlTree): string[] {
  return afterIndicator(tree, 0, true);
}

/** Ways a document is framed: markers, directives, comments, line ends, byte order mark. */
interface Framing {
  header:
    | ""
    | "---\n"
    | "--- "
    | "%YAML 1.1\n---\n"
    | "%TAG !e! tag:example.com,2000:\n---\n"
    | "# c\n";
  footer: "" | "\n..." | "\n---\n- other" | "\n# end";
  crlf: boolean;
  bom: boolean;
  comments: boolean;
  tabs: boolean;
}

const framing: fc.Arbitrary<Framing> = fc.record({
  header: fc.constantFrom<Framing["header"]>(
    "",
    "",
    "",
    "---\n",
    "--- ",
    "%YAML 1.1\n---\n",
    "%TAG !e! tag:example.com,2000:\n---\n",
    "# c\n",
  ),
  footer: fc.constantFrom<Framing["footer"]>("", "", "\n...", "\n---\n- other", "\n# end"),
  crlf: fc.boolean(),
  bom: fc.boolean(),
  comments: fc.boolean(),
  tabs: fc.boolean(),
});

/** A tree rendered in block or flow style with a framing. */
export function renderedYaml(): fc.Arbitrary<string> {
  return fc.tuple(yamlTree(), fc.boolean(), framing).map(([tree, flow, frame]) => {
    let lines = flow ? [renderFlow(tree)] : renderBlock(tree);
    if (frame.comments) lines = lines.map((line, i) => (i % 3 === 1 ? `${line} # note` : line));
    if (frame.tabs) lines = lines.map((line) => line.replace(": ", ":\t"));
    let text = frame.header + lines.join("\n") + frame.footer;
    if (frame.crlf) text = text.replaceAll("\n", "\r\n");
    return (frame.bom ? "\ufeff" : "") + text;
  });
}

const SOUP = [
  "- ",
  "-",
  ": ",
  ":",
  "? ",
  "?",
  "\n",
  "\n  ",
  "\n    ",
  "  ",
  "\t",
  "\r\n",
  "{",
  "}",
  "[",
  "]",
  ", ",
  ",",
  "&a ",
  "*a",
  "*b",
  "&b",
  "<<: ",
  "!!str ",
  "!!int ",
  "!!binary ",
  "!local ",
  "! ",
  "!<x> ",
  "|\n",
  "|-\n",
  ">+\n",
  "|2\n",
  "'",
  '"',
  "''",
  "\\",
  "\\n",
  "\\x4",
  "\\u00e9",
  "# c",
  "---",
  "---\n",
  "...\n",
  "%YAML 1.1\n",
  "%TAG ! tag:x,2000:\n",
  "%FOO\n",
  "a",
  "b",
  "0600",
  "yes",
  "~",
  "é",
  "🙂",
  "\ufeff",
  "\x85",
  "\u2028",
  "\0",
  "\x01",
  "\x7f",
  "@",
  "`",
  "%",
];

/** YAML-ish token soup. */
export function yamlTokenSoup(): fc.Arbitrary<string> {
  return fc.array(fc.constantFrom(...SOUP), { maxLength: 30 }).map((parts) => parts.join(""));
}

/** `text` with a few characters deleted, doubled, or replaced by a soup token. */
export function mutatedYaml(text: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.tuple(
    text,
    fc.array(
      fc.tuple(fc.nat(), fc.constantFrom("delete", "double", "insert"), fc.constantFrom(...SOUP)),
      {
        minLength: 1,
        maxLength: 3,
      },
    ),
  ).map(([source, edits]) => {
    let result = source;
    for (const [at, edit, token] of edits) {
      const index = result.length === 0 ? 0 : at % result.length;
      if (edit === "delete") result = result.slice(0, index) + result.slice(index + 1);
      if (edit === "double") result = result.slice(0, index + 1) + result.slice(index);
      if (edit === "insert") result = result.slice(0, index) + token + result.slice(index);
    }
    return result;
  });
}

/** Any of the above: mostly well-formed documents, a third mutated, soup or long. */
export function yamlDocument(): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: renderedYaml() },
    { weight: 3, arbitrary: mutatedYaml(renderedYaml()) },
    { weight: 1, arbitrary: yamlTokenSoup() },
    { weight: 1, arbitrary: longYaml() },
  );
}

const LONG_INSERTS = [
  "\x01",
  "\x7f",
  "\ufffe",
  "\ufeff",
  "\ufeff\ufeff",
  "\t",
  "]",
  ": ",
  "\n  - ",
  '"',
  "\n-",
];

/**
 * Lists of a few kilobytes with multi-byte characters (go-yaml's reader
 * validates 512 bytes at a time, so where a control character stands decides
 * whether it or an earlier syntax error is reported) and a control
 * character, byte order mark or stray indicator inserted somewhere.
 */
export function longYaml(): fc.Arbitrary<string> {
  return fc.tuple(
    fc.integer({ min: 10, max: 80 }),
    fc.constantFrom("a", "é", "🙂", "ü/ü"),
    fc.array(fc.tuple(fc.nat(), fc.constantFrom(...LONG_INSERTS)), { minLength: 1, maxLength: 2 }),
  ).map(([count, letter, inserts]) => {
    let text = Array.from(
      { length: count },
      (_, i) => `- objectName: ${letter.repeat(i % 7)}n${i}\n  objectType: secretsmanager`,
    ).join("\n");
    for (const [at, insert] of inserts) {
      const index = at % text.length;
      text = text.slice(0, index) + insert + text.slice(index);
    }
    return text;
  });
}
