/**
 * The input side of our YAML scanner: the text, the position in it (libyaml's
 * mark: character index, line and column), character classes and go-yaml's
 * error wording.
 *
 * go-yaml's reader validates the text as it hands it to the scanner, 512
 * bytes at a time, and fails with "control characters are not allowed" on a
 * character YAML forbids. So which error a document gets (a control
 * character, or a syntax error before it) depends on where the scanner stood
 * when it asked for more text. The buffer also has a quirk: libyaml checks
 * for a byte order mark at the start of the *buffer*, not at the current
 * character, so after a refill that started on a U+FEFF every token at column
 * 0 loses its first character. Both are observable, so when the text holds a
 * forbidden character or an inner U+FEFF, {@linkcode YamlInput.cache} replays
 * the reader's refills exactly; otherwise it is a single comparison.
 *
 * @module
 */

import { YamlSyntaxError } from "./value.ts";

/** Characters go-yaml's reader refuses (lone surrogates are made U+FFFD before). */
// deno-lint-ignore no-control-regex -- control characters are exactly what it looks for
const FORBIDDEN = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]/;

/** Whether go-yaml's reader refuses the code point ("control characters are not allowed"). */
function isForbidden(c: number): boolean {
  return !(c === 0x09 || c === 0x0a || c === 0x0d || (c >= 0x20 && c <= 0x7e) || c === 0x85 ||
    (c >= 0xa0 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || c >= 0x10000);
}
/** go-yaml's raw input buffer: the reader decodes this many bytes per refill. */
const RAW_BUFFER_BYTES = 512;
/** NULs after the text: the scanner looks at most four characters ahead of a NUL. */
const PADDING = "\0".repeat(8);

/** CR, LF, NEL, LS or PS. */
export function isBreak(c: number): boolean {
  return c === 0x0a || c === 0x0d || c === 0x85 || c === 0x2028 || c === 0x2029;
}

/** A line break or the end of the text. */
export function isBreakZ(c: number): boolean {
  return c === 0 || isBreak(c);
}

/** Space or tab. */
export function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

/** Space, tab, line break or the end of the text. */
export function isBlankZ(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0 || isBreak(c);
}

/** libyaml's "alpha": ASCII letters, digits, `_` and `-` (anchors, tag handles, directives). */
export function isAlpha(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) ||
    c === 0x5f || c === 0x2d;
}

/** An ASCII digit. */
export function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** The value of a hexadecimal digit, or -1. */
export function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  return -1;
}

function utf8Width(codePoint: number): number {
  if (codePoint < 0x80) return 1;
  if (codePoint < 0x800) return 2;
  return codePoint < 0x10000 ? 3 : 4;
}

/**
 * A libyaml scanner error: go-yaml names the 1-based line of the problem,
 * or no line when it is on the first.
 */
export function scannerError(problemLine: number, problem: string): YamlSyntaxError {
  return new YamlSyntaxError(
    problemLine !== 0 ? `yaml: line ${problemLine + 1}: ${problem}` : `yaml: ${problem}`,
  );
}

/** Where a parser error is: the 0-based lines of the problem and of its context. */
export interface ErrorLines {
  /** Line of the token that is wrong. */
  problem: number;
  /** Line of what it was part of (the collection, the node); 0 for none. */
  context: number;
}

/**
 * A libyaml parser error: go-yaml names the 0-based line of the problem (or
 * of its context when the problem is on line 0), and no line when both are 0.
 */
export function parserError(problem: string, lines: ErrorLines): YamlSyntaxError {
  const line = lines.problem !== 0 ? lines.problem : lines.context;
  return new YamlSyntaxError(line !== 0 ? `yaml: line ${line}: ${problem}` : `yaml: ${problem}`);
}

/** The text and the scanner's position and layout state. */
export class YamlInput {
  /** The text, well-formed, followed by NULs. */
  readonly src: string;
  /** Length of the text without the padding. */
  readonly end: number;
  /** Position in `src` (UTF-16 code units). */
  pos: number;
  /** Characters consumed (libyaml's mark index; a surrogate pair is one). */
  index = 0;
  /** 0-based line. */
  line = 0;
  /** 0-based column in characters. */
  column = 0;
  /** Column of the innermost block collection, -1 at the top. */
  indent = -1;
  /** Depth of flow collections around the position. */
  flowLevel = 0;
  /** Whether a simple key may start here. */
  simpleKeyAllowed = false;

  /** Characters the reader has validated (unbounded when no replay is needed). */
  #decodedEnd = Infinity;
  /** Position where the reader's buffer starts (for the byte order mark quirk). */
  #bufferStart: number;
  #replay: {
    totalBytes: number;
    rawStart: number;
    rawEnd: number;
    decodedBytes: number;
    decodedUnit: number;
    eof: boolean;
    started: boolean;
  } | undefined;

  /** Prepares `source` (a leading byte order mark is dropped, as go-yaml's reader does). */
  constructor(source: string) {
    const text = source.isWellFormed() ? source : source.toWellFormed();
    this.src = text + PADDING;
    this.end = text.length;
    this.pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
    this.#bufferStart = this.pos;
    if (FORBIDDEN.test(text) || text.indexOf("\ufeff", this.pos) >= 0) {
      let totalBytes = 0;
      for (const char of text) totalBytes += utf8Width(char.codePointAt(0)!);
      this.#decodedEnd = 0;
      this.#replay = {
        totalBytes,
        rawStart: 0,
        rawEnd: 0,
        decodedBytes: 0,
        decodedUnit: 0,
        eof: false,
        started: false,
      };
    }
  }

  /** Code unit at `pos + offset` (0 past the end). */
  at(offset = 0): number {
    return this.src.charCodeAt(this.pos + offset);
  }

  /**
   * libyaml's `cache`: makes sure `length` characters from the position have
   * been through the reader, which may fail on a forbidden character.
   */
  cache(length: number): void {
    if (this.index + length > this.#decodedEnd) this.#refill(length);
  }

  /** Whether the reader's buffer starts with U+FEFF (libyaml's `is_bom` looks there). */
  bufferStartsWithBom(): boolean {
    return this.src.charCodeAt(this.#bufferStart) === 0xfeff;
  }

  /** Moves past one character of a line. */
  skip(): void {
    const c = this.src.charCodeAt(this.pos);
    this.pos += c >= 0xd800 && c <= 0xdbff ? 2 : 1;
    this.index++;
    this.column++;
  }

  /** Moves past a line break (CRLF counts as two characters), if there is one. */
  skipLine(): void {
    const c = this.src.charCodeAt(this.pos);
    if (c === 0x0d && this.src.charCodeAt(this.pos + 1) === 0x0a) {
      this.pos += 2;
      this.index += 2;
    } else if (isBreak(c)) {
      this.pos++;
      this.index++;
    } else {
      return;
    }
    this.column = 0;
    this.line++;
  }

  /** Moves past spaces and tabs. */
  skipBlanks(): void {
    this.cache(1);
    while (isBlank(this.at())) {
      this.skip();
      this.cache(1);
    }
  }

  /**
   * The end of a directive or block scalar header: blanks, perhaps a
   * comment, then the line break (consumed) or the end of the text.
   */
  skipToLineEnd(): void {
    this.skipBlanks();
    if (this.at() === 0x23) {
      while (!isBreakZ(this.at())) {
        this.skip();
        this.cache(1);
      }
    }
    if (!isBreakZ(this.at())) {
      throw scannerError(this.line, "did not find expected comment or line break");
    }
    if (isBreak(this.at())) {
      this.cache(2);
      this.skipLine();
    }
  }

  /**
   * Moves past a line break and returns what libyaml keeps of it: `\n` for
   * CR, LF, CRLF and NEL, the character itself for LS and PS, "" for no break.
   */
  readLine(): string {
    const c = this.src.charCodeAt(this.pos);
    let kept = "\n";
    if (c === 0x0d && this.src.charCodeAt(this.pos + 1) === 0x0a) {
      this.pos++;
      this.index++;
    } else if (c === 0x2028 || c === 0x2029) {
      kept = this.src[this.pos];
    } else if (c !== 0x0d && c !== 0x0a && c !== 0x85) {
      return "";
    }
    this.pos++;
    this.index++;
    this.column = 0;
    this.line++;
    return kept;
  }

  /** go-yaml's `yaml_parser_update_buffer`, replayed on character and byte counts. */
  #refill(length: number): void {
    const reader = this.#replay!;
    if (!reader.started) {
      reader.started = true;
      // Encoding detection reads until three bytes are there, then drops a byte order mark.
      while (!reader.eof && reader.rawEnd - reader.decodedBytes < 3) this.#readRaw();
      if (this.pos === 1) {
        reader.decodedBytes = 3;
        reader.decodedUnit = 1;
      }
    }
    this.#bufferStart = this.pos;
    let first = true;
    while (this.#decodedEnd - this.index < length) {
      if (!first || reader.decodedBytes === reader.rawEnd) this.#readRaw();
      first = false;
      while (reader.decodedBytes < reader.rawEnd) {
        const codePoint = this.src.codePointAt(reader.decodedUnit)!;
        const width = utf8Width(codePoint);
        if (width > reader.rawEnd - reader.decodedBytes) break; // completed by the next read
        if (isForbidden(codePoint)) {
          throw new YamlSyntaxError("yaml: control characters are not allowed");
        }
        reader.decodedBytes += width;
        reader.decodedUnit += codePoint > 0xffff ? 2 : 1;
        this.#decodedEnd++;
      }
      if (reader.eof) {
        this.#decodedEnd++; // the NUL that ends the text
        break;
      }
    }
  }

  /** go-yaml's `yaml_parser_update_raw_buffer`: up to 512 bytes, keeping an incomplete tail. */
  #readRaw(): void {
    const reader = this.#replay!;
    const full = reader.decodedBytes === reader.rawStart &&
      reader.rawEnd - reader.rawStart === RAW_BUFFER_BYTES;
    if (full || reader.eof) return;
    reader.rawStart = reader.decodedBytes;
    if (reader.rawEnd === reader.totalBytes) {
      reader.eof = true;
      return;
    }
    reader.rawEnd = Math.min(reader.totalBytes, reader.rawStart + RAW_BUFFER_BYTES);
  }
}
