/**
 * Scalars of the YAML scanner, as go-yaml v2's port of libyaml scans them:
 * block scalars (`|`, `>` with indentation and chomping indicators), quoted
 * scalars (escapes, line folding) and plain scalars (multi-line folding, ends
 * at `: `, ` #`, document markers, flow indicators in flow context, or less
 * indentation). Text is appended by runs (`slice`), not by character, and
 * every loop moves forward, so time is linear in the scalar's length.
 *
 * @module
 */

import {
  hexValue,
  isBlank,
  isBlankZ,
  isBreak,
  isBreakZ,
  isDigit,
  scannerError,
  type YamlInput,
} from "./input.ts";

/** Text of the one-character escapes of double-quoted scalars (libyaml's set: no `\/`). */
const ESCAPES = new Map<number, string>([
  [0x30, "\0"],
  [0x61, "\x07"],
  [0x62, "\b"],
  [0x74, "\t"],
  [0x09, "\t"],
  [0x6e, "\n"],
  [0x76, "\v"],
  [0x66, "\f"],
  [0x72, "\r"],
  [0x65, "\x1b"],
  [0x20, " "],
  [0x22, '"'],
  [0x27, "'"],
  [0x5c, "\\"],
  [0x4e, "\x85"],
  [0x5f, "\xa0"],
  [0x4c, "\u2028"],
  [0x50, "\u2029"],
]);
/** Hex digits after `\x`, `\u` and `\U`. */
const CODE_LENGTHS = new Map<number, number>([[0x78, 2], [0x75, 4], [0x55, 8]]);

/** Whether a `---` or `...` line starts at the position (column 0). */
function atDocumentIndicator(input: YamlInput): boolean {
  const c = input.at();
  return input.column === 0 && (c === 0x2d || c === 0x2e) && input.at(1) === c &&
    input.at(2) === c && isBlankZ(input.at(3));
}

/**
 * The blanks and line breaks between two runs of text of a quoted or plain
 * scalar, and how libyaml joins the runs: blanks within a line are kept, a
 * single line break folds to a space, more keep all but the first.
 */
class Folding {
  whitespaces = "";
  leadingBreak = "";
  trailingBreaks = "";
  /** Whether a line break was crossed. */
  leadingBlanks = false;

  /**
   * Consumes blanks and line breaks. After a line break, a tab left of
   * `tabIndent` is an error (plain scalars; -1 for none).
   */
  scan(input: YamlInput, tabIndent: number): void {
    for (let c = input.at(); isBlank(c) || isBreak(c); c = input.at()) {
      if (isBlank(c)) {
        if (this.leadingBlanks && c === 0x09 && input.column < tabIndent) {
          throw scannerError(input.line, "found a tab character that violates indentation");
        }
        if (!this.leadingBlanks) this.whitespaces += String.fromCharCode(c);
        input.skip();
      } else {
        input.cache(2);
        if (this.leadingBlanks) {
          this.trailingBreaks += input.readLine();
        } else {
          this.whitespaces = "";
          this.leadingBreak = input.readLine();
          this.leadingBlanks = true;
        }
      }
      input.cache(1);
    }
  }

  /** The text that joins the runs; starts over. */
  take(): string {
    let joint: string;
    if (!this.leadingBlanks) {
      joint = this.whitespaces;
    } else if (this.leadingBreak[0] === "\n") {
      joint = this.trailingBreaks.length === 0 ? " " : this.trailingBreaks;
    } else {
      joint = this.leadingBreak + this.trailingBreaks;
    }
    this.whitespaces = "";
    this.leadingBreak = "";
    this.trailingBreaks = "";
    this.leadingBlanks = false;
    return joint;
  }
}

/** The text of a `|` (literal) or `>` (folded) block scalar, from its indicator. */
export function scanBlockScalar(input: YamlInput, literal: boolean): string {
  input.skip();
  input.cache(1);
  let chomping = 0;
  let increment = 0;
  let c = input.at();
  if (c === 0x2b || c === 0x2d) {
    chomping = c === 0x2b ? 1 : -1;
    input.skip();
    input.cache(1);
    c = input.at();
    if (isDigit(c)) {
      if (c === 0x30) {
        throw scannerError(input.line, "found an indentation indicator equal to 0");
      }
      increment = c - 0x30;
      input.skip();
    }
  } else if (isDigit(c)) {
    if (c === 0x30) throw scannerError(input.line, "found an indentation indicator equal to 0");
    increment = c - 0x30;
    input.skip();
    input.cache(1);
    c = input.at();
    if (c === 0x2b || c === 0x2d) {
      chomping = c === 0x2b ? 1 : -1;
      input.skip();
    }
  }
  input.skipToLineEnd();

  let indent = 0;
  if (increment > 0) indent = input.indent >= 0 ? input.indent + increment : increment;
  let text = "";
  let leadingBreak = "";
  let trailingBreaks = "";
  // Empty lines (and, without an indicator, the indentation of the first line).
  const scanBreaks = () => {
    let maxIndent = 0;
    for (;;) {
      input.cache(1);
      while ((indent === 0 || input.column < indent) && input.at() === 0x20) {
        input.skip();
        input.cache(1);
      }
      if (input.column > maxIndent) maxIndent = input.column;
      if ((indent === 0 || input.column < indent) && input.at() === 0x09) {
        throw scannerError(
          input.line,
          "found a tab character where an indentation space is expected",
        );
      }
      if (!isBreak(input.at())) break;
      input.cache(2);
      trailingBreaks += input.readLine();
    }
    if (indent === 0) indent = Math.max(maxIndent, input.indent + 1, 1);
  };
  scanBreaks();
  input.cache(1);
  let leadingBlank = false;
  while (input.column === indent && input.at() !== 0) {
    const trailingBlank = isBlank(input.at());
    if (!literal && !leadingBlank && !trailingBlank && leadingBreak[0] === "\n") {
      if (trailingBreaks.length === 0) text += " ";
    } else {
      text += leadingBreak;
    }
    leadingBreak = "";
    text += trailingBreaks;
    trailingBreaks = "";
    leadingBlank = isBlank(input.at());
    const start = input.pos;
    while (!isBreakZ(input.at())) {
      input.skip();
      input.cache(1);
    }
    text += input.src.slice(start, input.pos);
    input.cache(2);
    leadingBreak = input.readLine();
    scanBreaks();
  }
  if (chomping !== -1) text += leadingBreak;
  if (chomping === 1) text += trailingBreaks;
  return text;
}

/** The text of a `'single'` or `"double"` quoted scalar, from its opening quote. */
export function scanFlowScalar(input: YamlInput, single: boolean): string {
  const quote = single ? 0x27 : 0x22;
  input.skip();
  let text = "";
  const folding = new Folding();
  for (;;) {
    input.cache(4);
    if (atDocumentIndicator(input)) {
      throw scannerError(input.line, "found unexpected document indicator");
    }
    if (input.at() === 0) throw scannerError(input.line, "found unexpected end of stream");
    let run = input.pos;
    for (let c = input.at(); !isBlankZ(c); c = input.at()) {
      if (single && c === 0x27 && input.at(1) === 0x27) {
        text += input.src.slice(run, input.pos) + "'";
        input.skip();
        input.skip();
        run = input.pos;
      } else if (c === quote) {
        break;
      } else if (!single && c === 0x5c && isBreak(input.at(1))) {
        // An escaped line break: the line continues without a space.
        text += input.src.slice(run, input.pos);
        input.cache(3);
        input.skip();
        input.skipLine();
        run = input.pos;
        folding.leadingBlanks = true;
        break;
      } else if (!single && c === 0x5c) {
        text += input.src.slice(run, input.pos) + scanEscape(input);
        run = input.pos;
      } else {
        input.skip();
      }
      input.cache(2);
    }
    text += input.src.slice(run, input.pos);
    input.cache(1);
    if (input.at() === quote) break;
    folding.scan(input, -1);
    text += folding.take();
  }
  input.skip();
  return text;
}

/** One escape of a double-quoted scalar, from its backslash. */
function scanEscape(input: YamlInput): string {
  const kind = input.at(1);
  const simple = ESCAPES.get(kind);
  const length = CODE_LENGTHS.get(kind) ?? 0;
  if (simple === undefined && length === 0) {
    throw scannerError(input.line, "found unknown escape character");
  }
  input.skip();
  input.skip();
  if (simple !== undefined) return simple;
  input.cache(length);
  let value = 0;
  for (let k = 0; k < length; k++) {
    const digit = hexValue(input.at(k));
    if (digit < 0) throw scannerError(input.line, "did not find expected hexdecimal number");
    value = value * 16 + digit;
  }
  if (value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff)) {
    throw scannerError(input.line, "found invalid Unicode character escape code");
  }
  for (let k = 0; k < length; k++) input.skip();
  return String.fromCodePoint(value);
}

/** The text of a plain (unquoted) scalar. */
export function scanPlainScalar(input: YamlInput): string {
  const indent = input.indent + 1;
  let text = "";
  const folding = new Folding();
  for (;;) {
    input.cache(4);
    if (atDocumentIndicator(input) || input.at() === 0x23) break;
    let run = -1;
    for (let c = input.at(); !isBlankZ(c); c = input.at()) {
      if (
        (c === 0x3a && isBlankZ(input.at(1))) ||
        (input.flowLevel > 0 && FLOW_INDICATORS.has(c))
      ) {
        break;
      }
      if (run < 0) {
        // The blanks or line breaks before this run join the text.
        text += folding.take();
        run = input.pos;
      }
      input.skip();
      input.cache(2);
    }
    if (run >= 0) text += input.src.slice(run, input.pos);
    const c = input.at();
    if (!(isBlank(c) || isBreak(c))) break;
    input.cache(1);
    folding.scan(input, indent);
    if (input.flowLevel === 0 && input.column < indent) break;
  }
  // After a line break a simple key may start again.
  if (folding.leadingBlanks) input.simpleKeyAllowed = true;
  return text;
}

/** Characters that end a plain scalar inside a flow collection. */
const FLOW_INDICATORS = new Set([..."?,[]{}"].map((c) => c.charCodeAt(0)));
