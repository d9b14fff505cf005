/**
 * JMESPath expressions parsed exactly as go-jmespath v0.4.0 (the Go
 * provider's library) parses them, into the same tree. npm:jmespath's parser
 * accepts and refuses other expressions (it refuses `length(@.name)` and
 * `f(@ | a)`, accepts `(a b)`, `[a b]`, unquoted legacy literals like
 * `` `foo` `` and reads `[1-2]` as `[1]`), so it cannot give the Go
 * provider's files; this one mirrors Go's lexer and Pratt parser rule by
 * rule, quirks included (`f(a b)` is a call with two arguments, a function
 * name may be any node with a string value, `'x'(@)` calls `x`, a bad index
 * inside `[` can leave an empty node that fails only when evaluated).
 *
 * @module
 */

import { decodeGoJsonText } from "./json.ts";
import type { JmesValue } from "./value.ts";

/** Comparison operators. */
export type ComparatorOp = "==" | "!=" | "<" | "<=" | ">" | ">=";

/** A node of the expression tree (go-jmespath's AST node types). */
export type JmesNode =
  | { type: "comparator"; op: ComparatorOp; left: JmesNode; right: JmesNode }
  | { type: "current" }
  | { type: "identity" }
  | { type: "expref"; child: JmesNode }
  | { type: "function"; name: string | undefined; args: JmesNode[] }
  | { type: "field"; name: string }
  | { type: "filterProjection"; left: JmesNode; right: JmesNode; condition: JmesNode }
  | { type: "flatten"; child: JmesNode }
  | { type: "index"; index: number }
  | { type: "indexExpression"; left: JmesNode; right: JmesNode }
  | { type: "keyValPair"; key: string; child: JmesNode }
  | { type: "literal"; value: JmesValue }
  | { type: "multiSelectHash"; pairs: JmesNode[] }
  | { type: "multiSelectList"; children: JmesNode[] }
  | { type: "or"; left: JmesNode; right: JmesNode }
  | { type: "and"; left: JmesNode; right: JmesNode }
  | { type: "not"; child: JmesNode }
  | { type: "pipe"; left: JmesNode; right: JmesNode }
  | { type: "projection"; left: JmesNode; right: JmesNode }
  | { type: "subexpression"; left: JmesNode; right: JmesNode }
  | { type: "slice"; start: number | null; stop: number | null; step: number | null }
  | { type: "valueProjection"; left: JmesNode; right: JmesNode }
  | { type: "empty" };

/** The expression is not valid JMESPath for go-jmespath (or would make it panic). */
export class JmesSyntaxError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "JmesSyntaxError";
  }
}

/**
 * Deepest expression tree accepted, so that neither parsing nor evaluation
 * (both recursive over the tree) can run out of stack. Expressions within
 * the default length limit (1,024 characters) never come near it.
 */
export const MAX_NESTING = 1_500;

/** The expression nests deeper than {@linkcode MAX_NESTING}: a limit, not a syntax error. */
export class JmesNestingError extends Error {
  /** Creates the error. */
  constructor() {
    super(`nested more than ${MAX_NESTING} levels deep`);
    this.name = "JmesNestingError";
  }
}

type TokenKind =
  | "unknown"
  | "star"
  | "dot"
  | "filter"
  | "flatten"
  | "lparen"
  | "rparen"
  | "lbracket"
  | "rbracket"
  | "lbrace"
  | "rbrace"
  | "or"
  | "pipe"
  | "number"
  | "unquotedIdentifier"
  | "quotedIdentifier"
  | "comma"
  | "colon"
  | ComparatorOp
  | "jsonLiteral"
  | "stringLiteral"
  | "current"
  | "expref"
  | "and"
  | "not"
  | "eof";

interface Token {
  kind: TokenKind;
  value: string;
}

/** go-jmespath's binding powers; tokens not listed bind with 0. */
const BINDING_POWER: Partial<Record<TokenKind, number>> = {
  pipe: 1,
  or: 2,
  and: 3,
  "==": 5,
  "<": 5,
  "<=": 5,
  ">": 5,
  ">=": 5,
  "!=": 5,
  flatten: 9,
  star: 20,
  filter: 21,
  dot: 40,
  not: 45,
  lbrace: 50,
  lbracket: 55,
  lparen: 60,
};

function bindingPower(kind: TokenKind): number {
  return BINDING_POWER[kind] ?? 0;
}

const BASIC_TOKENS: Record<string, TokenKind> = {
  ".": "dot",
  "*": "star",
  ",": "comma",
  ":": "colon",
  "{": "lbrace",
  "}": "rbrace",
  "]": "rbracket",
  "(": "lparen",
  ")": "rparen",
  "@": "current",
};

function isIdentifierStart(unit: number): boolean {
  return (unit >= 0x41 && unit <= 0x5a) || (unit >= 0x61 && unit <= 0x7a) || unit === 0x5f;
}

function isIdentifierPart(unit: number): boolean {
  return isIdentifierStart(unit) || (unit >= 0x30 && unit <= 0x39);
}

/** go-jmespath's lexer. Positions are UTF-16 units; every delimiter is one unit, as in Go one byte. */
function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  const at = (i: number) => expression.charCodeAt(i); // NaN past the end
  while (pos < expression.length) {
    const c = expression[pos];
    const unit = at(pos);
    if (isIdentifierStart(unit)) {
      const start = pos;
      pos++;
      while (pos < expression.length && isIdentifierPart(at(pos))) pos++;
      // Go indexes a 2-entry bit table with the rune / 64: U+0080 right after
      // an identifier panics there. An error here.
      if (at(pos) === 0x80) throw new JmesSyntaxError("identifier followed by U+0080");
      tokens.push({ kind: "unquotedIdentifier", value: expression.slice(start, pos) });
    } else if (BASIC_TOKENS[c] !== undefined) {
      tokens.push({ kind: BASIC_TOKENS[c], value: c });
      pos++;
    } else if (c === "-" || (unit >= 0x30 && unit <= 0x39)) {
      const start = pos;
      pos++;
      while (at(pos) >= 0x30 && at(pos) <= 0x39) pos++;
      tokens.push({ kind: "number", value: expression.slice(start, pos) });
    } else if (c === "[") {
      const next = expression[pos + 1];
      if (next === "?") {
        tokens.push({ kind: "filter", value: "[?" });
        pos += 2;
      } else if (next === "]") {
        tokens.push({ kind: "flatten", value: "[]" });
        pos += 2;
      } else {
        tokens.push({ kind: "lbracket", value: "[" });
        pos++;
      }
    } else if (c === '"') {
      const [raw, end] = consumeUntil(expression, pos + 1, '"');
      pos = end;
      let decoded: JmesValue;
      try {
        decoded = decodeGoJsonText(`"${raw}"`);
      } catch {
        throw new JmesSyntaxError("invalid quoted identifier");
      }
      tokens.push({ kind: "quotedIdentifier", value: decoded as string });
    } else if (c === "'") {
      const [value, end] = consumeRawString(expression, pos + 1);
      pos = end;
      tokens.push({ kind: "stringLiteral", value });
    } else if (c === "`") {
      const [raw, end] = consumeUntil(expression, pos + 1, "`");
      pos = end;
      tokens.push({ kind: "jsonLiteral", value: raw.replaceAll("\\`", "`") });
    } else if (c === "|" || c === "<" || c === ">" || c === "!" || c === "=" || c === "&") {
      const next = expression[pos + 1];
      const [pair, single] = TWO_CHAR[c];
      if (next === pair[1]) {
        tokens.push({ kind: pair[0], value: c + next });
        pos += 2;
      } else {
        tokens.push({ kind: single, value: c });
        pos++;
      }
    } else if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      pos++;
    } else {
      throw new JmesSyntaxError(`unknown character at ${pos}`);
    }
  }
  tokens.push({ kind: "eof", value: "" });
  return tokens;
}

/** For each operator start: the two-character token (kind, second char) and the single one. */
const TWO_CHAR: Record<string, [[TokenKind, string], TokenKind]> = {
  "|": [["or", "|"], "pipe"],
  "<": [["<=", "="], "<"],
  ">": [[">=", "="], ">"],
  "!": [["!=", "="], "not"],
  "=": [["==", "="], "unknown"],
  "&": [["and", "&"], "expref"],
};

/**
 * Go's `consumeUntil`: the text up to the next `end` not escaped by a
 * backslash (a backslash skips the character after it), and the position
 * after `end`.
 */
function consumeUntil(expression: string, start: number, end: string): [string, number] {
  let pos = start;
  while (pos < expression.length && expression[pos] !== end) {
    if (expression[pos] === "\\" && pos + 1 < expression.length) pos++;
    pos++;
  }
  if (pos >= expression.length) throw new JmesSyntaxError(`unclosed delimiter ${end}`);
  return [expression.slice(start, pos), pos + 1];
}

/** Go's `consumeRawStringLiteral`: only `\'` is an escape; the position after the closing quote. */
function consumeRawString(expression: string, start: number): [string, number] {
  let value = "";
  let chunkStart = start;
  let pos = start;
  while (pos < expression.length && expression[pos] !== "'") {
    if (expression[pos] === "\\" && expression[pos + 1] === "'") {
      value += expression.slice(chunkStart, pos) + "'";
      pos += 2;
      chunkStart = pos;
      continue;
    }
    pos++;
  }
  if (pos >= expression.length) throw new JmesSyntaxError("unclosed delimiter '");
  return [value + expression.slice(chunkStart, pos), pos + 1];
}

/**
 * Parses `expression` as go-jmespath does.
 *
 * @throws {JmesSyntaxError} where go-jmespath returns a parse error (or
 *   panics).
 * @throws {JmesNestingError} when the tree is deeper than
 *   {@linkcode MAX_NESTING} (`a.a.a…` nests on the left without nesting the
 *   parser, so the finished tree is measured too).
 * @example
 * ```ts
 * parseJmes("a.b");
 * // { type: "subexpression", left: { type: "field", name: "a" }, right: { type: "field", name: "b" } }
 * ```
 */
export function parseJmes(expression: string): JmesNode {
  const tree = new Parser(tokenize(expression)).parse();
  if (treeDepth(tree) > MAX_NESTING) throw new JmesNestingError();
  return tree;
}

/** Depth of a tree, measured without recursion. */
function treeDepth(root: JmesNode): number {
  let deepest = 0;
  const stack: [JmesNode, number][] = [[root, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    deepest = Math.max(deepest, depth);
    if (node.type === "literal") continue; // its value is data, not tree
    for (const value of Object.values(node)) {
      if (Array.isArray(value)) {
        for (const child of value) stack.push([child as JmesNode, depth + 1]);
      } else if (typeof value === "object" && value !== null && "type" in value) {
        stack.push([value as JmesNode, depth + 1]);
      }
    }
  }
  return deepest;
}

class Parser {
  #index = 0;
  #depth = 0;
  constructor(readonly tokens: Token[]) {}

  parse(): JmesNode {
    const node = this.#expression(0);
    if (this.#current() !== "eof") throw new JmesSyntaxError("unexpected token at the end");
    return node;
  }

  #current(): TokenKind {
    return this.#lookahead(0);
  }

  #lookahead(n: number): TokenKind {
    return this.tokens[this.#index + n]?.kind ?? "eof";
  }

  #token(n = 0): Token {
    return this.tokens[this.#index + n] ?? this.tokens[this.tokens.length - 1];
  }

  #advance(): void {
    this.#index++;
  }

  #match(kind: TokenKind): void {
    if (this.#current() !== kind) {
      throw new JmesSyntaxError(`expected ${kind}, got ${this.#current()}`);
    }
    this.#advance();
  }

  #expression(power: number): JmesNode {
    if (++this.#depth > MAX_NESTING) throw new JmesNestingError();
    const token = this.#token();
    this.#advance();
    let left = this.#nud(token);
    let current = this.#current();
    while (power < bindingPower(current)) {
      this.#advance();
      left = this.#led(current, left);
      current = this.#current();
    }
    this.#depth--;
    return left;
  }

  #nud(token: Token): JmesNode {
    switch (token.kind) {
      case "jsonLiteral": {
        try {
          return { type: "literal", value: decodeGoJsonText(token.value) };
        } catch {
          throw new JmesSyntaxError("invalid JSON literal");
        }
      }
      case "stringLiteral":
        return { type: "literal", value: token.value };
      case "unquotedIdentifier":
        return { type: "field", name: token.value };
      case "quotedIdentifier":
        if (this.#current() === "lparen") {
          throw new JmesSyntaxError("quoted identifier as a function name");
        }
        return { type: "field", name: token.value };
      case "star": {
        const right: JmesNode = this.#current() === "rbracket"
          ? { type: "identity" }
          : this.#projectionRhs(bindingPower("star"));
        return { type: "valueProjection", left: { type: "identity" }, right };
      }
      case "filter":
        return this.#filter({ type: "identity" });
      case "lbrace":
        return this.#multiSelectHash();
      case "flatten": {
        const right = this.#projectionRhs(bindingPower("flatten"));
        return {
          type: "projection",
          left: { type: "flatten", child: { type: "identity" } },
          right,
        };
      }
      case "lbracket": {
        const current = this.#current();
        if (current === "number" || current === "colon") {
          let right: JmesNode;
          try {
            right = this.#indexExpression();
          } catch (error) {
            // go-jmespath drops this error and returns an empty node.
            if (error instanceof JmesSyntaxError) {
              return { type: "empty" };
            }
            throw error;
          }
          return this.#projectIfSlice({ type: "identity" }, right);
        }
        if (current === "star" && this.#lookahead(1) === "rbracket") {
          this.#advance();
          this.#advance();
          const right = this.#projectionRhs(bindingPower("star"));
          return { type: "projection", left: { type: "identity" }, right };
        }
        return this.#multiSelectList();
      }
      case "current":
        return { type: "current" };
      case "expref":
        return { type: "expref", child: this.#expression(bindingPower("expref")) };
      case "not":
        return { type: "not", child: this.#expression(bindingPower("not")) };
      case "lparen": {
        const inner = this.#expression(0);
        this.#match("rparen");
        return inner;
      }
      default:
        throw new JmesSyntaxError(`invalid token ${token.kind}`);
    }
  }

  #led(kind: TokenKind, left: JmesNode): JmesNode {
    switch (kind) {
      case "dot": {
        if (this.#current() !== "star") {
          return { type: "subexpression", left, right: this.#dotRhs(bindingPower("dot")) };
        }
        this.#advance();
        return { type: "valueProjection", left, right: this.#projectionRhs(bindingPower("dot")) };
      }
      case "pipe":
        return { type: "pipe", left, right: this.#expression(bindingPower("pipe")) };
      case "or":
        return { type: "or", left, right: this.#expression(bindingPower("or")) };
      case "and":
        return { type: "and", left, right: this.#expression(bindingPower("and")) };
      case "lparen": {
        const args: JmesNode[] = [];
        while (this.#current() !== "rparen") {
          const arg = this.#expression(0);
          if (this.#current() === "comma") this.#match("comma");
          args.push(arg);
        }
        this.#match("rparen");
        return { type: "function", name: nodeName(left), args };
      }
      case "filter":
        return this.#filter(left);
      case "flatten": {
        const right = this.#projectionRhs(bindingPower("flatten"));
        return { type: "projection", left: { type: "flatten", child: left }, right };
      }
      case "==":
      case "!=":
      case "<":
      case "<=":
      case ">":
      case ">=":
        return { type: "comparator", op: kind, left, right: this.#expression(bindingPower(kind)) };
      case "lbracket": {
        const current = this.#current();
        if (current === "number" || current === "colon") {
          return this.#projectIfSlice(left, this.#indexExpression());
        }
        this.#match("star");
        this.#match("rbracket");
        return { type: "projection", left, right: this.#projectionRhs(bindingPower("star")) };
      }
      default:
        throw new JmesSyntaxError(`unexpected token ${kind}`);
    }
  }

  #indexExpression(): JmesNode {
    if (this.#lookahead(0) === "colon" || this.#lookahead(1) === "colon") return this.#slice();
    const index = atoi(this.#token().value);
    this.#advance();
    this.#match("rbracket");
    return { type: "index", index };
  }

  #slice(): JmesNode {
    const parts: (number | null)[] = [null, null, null];
    let index = 0;
    let current = this.#current();
    while (current !== "rbracket" && index < 3) {
      if (current === "colon") {
        index++;
        this.#advance();
      } else if (current === "number") {
        parts[index] = atoi(this.#token().value);
        this.#advance();
      } else {
        throw new JmesSyntaxError(`expected : or a number, got ${current}`);
      }
      current = this.#current();
    }
    this.#match("rbracket");
    return { type: "slice", start: parts[0], stop: parts[1], step: parts[2] };
  }

  #multiSelectList(): JmesNode {
    const children: JmesNode[] = [];
    for (;;) {
      children.push(this.#expression(0));
      if (this.#current() === "rbracket") break;
      this.#match("comma");
    }
    this.#match("rbracket");
    return { type: "multiSelectList", children };
  }

  #multiSelectHash(): JmesNode {
    const pairs: JmesNode[] = [];
    for (;;) {
      const keyToken = this.#token();
      if (keyToken.kind !== "unquotedIdentifier" && keyToken.kind !== "quotedIdentifier") {
        throw new JmesSyntaxError("expected an identifier as key");
      }
      this.#advance();
      this.#match("colon");
      pairs.push({ type: "keyValPair", key: keyToken.value, child: this.#expression(0) });
      // Go goes on to the next key when neither `,` nor `}` follows.
      if (this.#current() === "comma") {
        this.#advance();
      } else if (this.#current() === "rbrace") {
        this.#advance();
        break;
      }
    }
    return { type: "multiSelectHash", pairs };
  }

  #projectIfSlice(left: JmesNode, right: JmesNode): JmesNode {
    const indexExpression: JmesNode = { type: "indexExpression", left, right };
    if (right.type !== "slice") return indexExpression;
    return {
      type: "projection",
      left: indexExpression,
      right: this.#projectionRhs(bindingPower("star")),
    };
  }

  #filter(left: JmesNode): JmesNode {
    const condition = this.#expression(0);
    this.#match("rbracket");
    const right: JmesNode = this.#current() === "flatten"
      ? { type: "identity" }
      : this.#projectionRhs(bindingPower("filter"));
    return { type: "filterProjection", left, right, condition };
  }

  #dotRhs(power: number): JmesNode {
    const current = this.#current();
    if (current === "quotedIdentifier" || current === "unquotedIdentifier" || current === "star") {
      return this.#expression(power);
    }
    if (current === "lbracket") {
      this.#advance();
      return this.#multiSelectList();
    }
    if (current === "lbrace") {
      this.#advance();
      return this.#multiSelectHash();
    }
    throw new JmesSyntaxError("expected an identifier, [ or { after .");
  }

  #projectionRhs(power: number): JmesNode {
    const current = this.#current();
    if (bindingPower(current) < 10) return { type: "identity" };
    if (current === "lbracket" || current === "filter") return this.#expression(power);
    if (current === "dot") {
      this.#advance();
      return this.#dotRhs(power);
    }
    throw new JmesSyntaxError(`unexpected ${current} after a projection`);
  }
}

/** The name go-jmespath calls a function by: the callee node's value, when it is a string. */
function nodeName(node: JmesNode): string | undefined {
  if (node.type === "field" || node.type === "keyValPair") {
    return node.type === "field" ? node.name : node.key;
  }
  if (node.type === "function") return node.name;
  if (node.type === "literal" && typeof node.value === "string") return node.value;
  return undefined; // Go panics on the type assertion when the call is evaluated
}

/** Go's `strconv.Atoi` on a number token (`-` and digits) for a 64-bit int. */
function atoi(text: string): number {
  if (!/^-?[0-9]+$/.test(text)) throw new JmesSyntaxError(`invalid number ${text}`);
  const value = BigInt(text);
  if (value < -(2n ** 63n) || value >= 2n ** 63n) {
    throw new JmesSyntaxError(`number out of range ${text}`);
  }
  return Number(value);
}
