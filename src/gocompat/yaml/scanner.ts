/**
 * The YAML scanner: text to tokens, the way go-yaml v2's port of libyaml
 * does it, so that every document is accepted or refused exactly as the Go
 * provider accepts or refuses it, with the same message and line.
 *
 * The parts that decide acceptance are kept as libyaml has them: the
 * indentation stack, "simple keys" (a scalar or collection that turns out to
 * be a mapping key when a `:` follows on the same line within 1,024
 * characters; go-yaml tracks them by token number), the lookahead that keeps
 * scanning while the next token may still become a key, and the points where
 * it asks the reader for more text. Scalars are scanned in
 * `scan_scalars.ts`.
 *
 * Time and memory are linear in the text: every character is looked at a
 * bounded number of times, and tokens wait in the queue only while a simple
 * key is pending (at most 1,024 characters).
 *
 * @module
 */

import { isBlank, isBlankZ, isBreak, isBreakZ, scannerError, YamlInput } from "./input.ts";
import { scanAnchor, scanDirective, scanTag } from "./scan_names.ts";
import { scanBlockScalar, scanFlowScalar, scanPlainScalar } from "./scan_scalars.ts";
import {
  ALIAS,
  ANCHOR,
  BLOCK_END,
  BLOCK_ENTRY,
  BLOCK_MAPPING_START,
  BLOCK_SEQUENCE_START,
  DOCUMENT_END,
  DOCUMENT_START,
  DOUBLE_QUOTED_STYLE,
  FLOW_ENTRY,
  FLOW_MAPPING_END,
  FLOW_MAPPING_START,
  FLOW_SEQUENCE_END,
  FLOW_SEQUENCE_START,
  FOLDED_STYLE,
  KEY,
  LITERAL_STYLE,
  PLAIN_STYLE,
  SCALAR,
  SINGLE_QUOTED_STYLE,
  STREAM_END,
  STREAM_START,
  TAG,
  Token,
  VALUE,
} from "./token.ts";

/** libyaml's `max_flow_level` and `max_indents`. */
const MAX_LEVELS = 10_000;
/** A simple key must find its `:` within this many characters. */
const MAX_SIMPLE_KEY_LENGTH = 1024;

/** A place where a mapping key may have started. */
class SimpleKey {
  constructor(
    public possible: boolean,
    public required: boolean,
    public tokenNumber: number,
    public index: number,
    public line: number,
    public column: number,
  ) {}
}

/**
 * go-yaml's `simple_keys_by_tok`: which level's possible key a token number
 * is, kept with go-yaml's quirks (a stale key keeps its entry; closing a flow
 * level deletes by its key's number, whoever holds it). Numbers are added in
 * increasing order and looked up in increasing order, so a sorted list with
 * a moving start does the work of a map: entries below the last number looked
 * up can never be asked for again.
 */
class KeyIndex {
  #numbers: number[] = [];
  #levels: number[] = [];
  #start = 0;

  set(tokenNumber: number, level: number): void {
    const last = this.#numbers.length - 1;
    if (last >= this.#start && this.#numbers[last] === tokenNumber) {
      this.#levels[last] = level;
      return;
    }
    this.#numbers.push(tokenNumber);
    this.#levels.push(level);
  }

  delete(tokenNumber: number): void {
    let low = this.#start;
    let high = this.#numbers.length - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const number = this.#numbers[middle];
      if (number === tokenNumber) {
        this.#levels[middle] = -1;
        return;
      }
      if (number < tokenNumber) low = middle + 1;
      else high = middle - 1;
    }
  }

  /** The level of `tokenNumber`'s key; numbers asked for must not decrease. */
  get(tokenNumber: number): number | undefined {
    const numbers = this.#numbers;
    let start = this.#start;
    while (start < numbers.length && numbers[start] < tokenNumber) start++;
    if (start > 1024) {
      // Drop what can no longer be asked for, now and then (not on every call: that reallocates).
      numbers.splice(0, start);
      this.#levels.splice(0, start);
      start = 0;
    }
    this.#start = start;
    if (start === numbers.length || numbers[start] !== tokenNumber) return undefined;
    const level = this.#levels[start];
    return level >= 0 ? level : undefined;
  }
}

/** Turns YAML text into tokens on demand ({@linkcode YamlScanner.peek}, {@linkcode YamlScanner.skipToken}). */
export class YamlScanner extends YamlInput {
  /** The queue is `#tokens[#head..#tail)`; slots are reused rather than the array shrunk. */
  #tokens: Token[] = [];
  #head = 0;
  #tail = 0;
  #tokensParsed = 0;
  #tokenAvailable = false;
  /** Consumed tokens, for reuse. */
  #spare: Token[] = [];
  #streamStarted = false;
  #indents: number[] = [];
  /** One key per level (the top level, then each flow level): `#simpleKeys[0..#levels)`. */
  #simpleKeys: SimpleKey[] = [];
  #levels = 0;
  /** go-yaml's `simple_keys_by_tok`: token number of a possible key → its level. */
  #keysByToken = new KeyIndex();

  /** The next token, scanning ahead as far as libyaml does before handing it out. */
  peek(): Token {
    if (!this.#tokenAvailable) this.#fetchMoreTokens();
    return this.#tokens[this.#head];
  }

  /** Consumes the token {@linkcode peek} returned (which must not be read after this). */
  skipToken(): void {
    this.#spare.push(this.#tokens[this.#head]);
    this.#tokenAvailable = false;
    this.#tokensParsed++;
    if (++this.#head === this.#tail) {
      this.#head = 0;
      this.#tail = 0;
    }
  }

  #fetchMoreTokens(): void {
    for (;;) {
      if (this.#head !== this.#tail) {
        // Keep scanning only while the next token may still turn out to be a key.
        const level = this.#keysByToken.get(this.#tokensParsed);
        if (level === undefined) break;
        const key = level < this.#levels ? this.#simpleKeys[level] : undefined;
        if (key === undefined || !this.#keyIsValid(key)) break;
      }
      this.#fetchNextToken();
    }
    this.#tokenAvailable = true;
  }

  /** Whether `key` can still be a key here; a required key that cannot is an error. */
  #keyIsValid(key: SimpleKey): boolean {
    if (!key.possible) return false;
    if (key.line < this.line || key.index + MAX_SIMPLE_KEY_LENGTH < this.index) {
      if (key.required) throw scannerError(this.line, "could not find expected ':'");
      key.possible = false;
      return false;
    }
    return true;
  }

  #fetchNextToken(): void {
    this.cache(1);
    if (!this.#streamStarted) return this.#fetchStreamStart();
    this.#scanToNextToken();
    this.#unrollIndent(this.column);
    this.cache(4);
    const c = this.at();
    if (c === 0) return this.#fetchStreamEnd();
    if (this.column === 0) {
      if (c === 0x25) return this.#fetchDirective(); // %
      if (this.#atDocumentIndicator(0x2d)) return this.#fetchDocumentIndicator(DOCUMENT_START);
      if (this.#atDocumentIndicator(0x2e)) return this.#fetchDocumentIndicator(DOCUMENT_END);
    }
    const next = this.at(1);
    switch (c) {
      case 0x5b: // [
        return this.#fetchFlowCollectionStart(FLOW_SEQUENCE_START);
      case 0x7b: // {
        return this.#fetchFlowCollectionStart(FLOW_MAPPING_START);
      case 0x5d: // ]
        return this.#fetchFlowCollectionEnd(FLOW_SEQUENCE_END);
      case 0x7d: // }
        return this.#fetchFlowCollectionEnd(FLOW_MAPPING_END);
      case 0x2c: // ,
        return this.#fetchFlowEntry();
      case 0x2d: // -
        if (isBlankZ(next)) return this.#fetchBlockEntry();
        break;
      case 0x3f: // ?
        if (this.flowLevel > 0 || isBlankZ(next)) return this.#fetchKey();
        break;
      case 0x3a: // :
        if (this.flowLevel > 0 || isBlankZ(next)) return this.#fetchValue();
        break;
      case 0x2a: // *
        return this.#fetchAnchor(ALIAS);
      case 0x26: // &
        return this.#fetchAnchor(ANCHOR);
      case 0x21: // !
        return this.#fetchTag();
      case 0x7c: // |
        if (this.flowLevel === 0) return this.#fetchBlockScalar(true);
        break;
      case 0x3e: // >
        if (this.flowLevel === 0) return this.#fetchBlockScalar(false);
        break;
      case 0x27: // '
        return this.#fetchFlowScalar(true);
      case 0x22: // "
        return this.#fetchFlowScalar(false);
    }
    if (
      !(isBlankZ(c) || INDICATORS.has(c)) || (c === 0x2d && !isBlank(next)) ||
      (this.flowLevel === 0 && (c === 0x3f || c === 0x3a) && !isBlankZ(next))
    ) {
      return this.#fetchPlainScalar();
    }
    throw scannerError(this.line, "found character that cannot start any token");
  }

  /** `---` or `...` (by `dot`'s character) followed by a blank. */
  #atDocumentIndicator(c: number): boolean {
    return this.at() === c && this.at(1) === c && this.at(2) === c && isBlankZ(this.at(3));
  }

  /** A token, reusing a consumed one when there is one. */
  #token(type: number, line: number, value = "", style = 0, suffix = ""): Token {
    const token = this.#spare.pop();
    if (token === undefined) return new Token(type, line, value, style, suffix);
    token.type = type;
    token.line = line;
    token.value = value;
    token.style = style;
    token.suffix = suffix;
    return token;
  }

  #push(token: Token): void {
    this.#tokens[this.#tail++] = token;
  }

  /**
   * Inserts `token` `position` places after the head of the queue. A key
   * whose token the parser already took gives a negative position: go-yaml
   * then appends the token.
   */
  #insert(position: number, token: Token): void {
    if (position < 0) return this.#push(token);
    const at = this.#head + position;
    for (let i = this.#tail; i > at; i--) this.#tokens[i] = this.#tokens[i - 1];
    this.#tokens[at] = token;
    this.#tail++;
  }

  #nextTokenNumber(): number {
    return this.#tokensParsed + this.#tail - this.#head;
  }

  #saveSimpleKey(): void {
    if (!this.simpleKeyAllowed) return;
    this.#removeSimpleKey();
    // The level's key is overwritten in place: go-yaml replaces it, and nothing else holds it.
    const level = this.#levels - 1;
    const key = this.#simpleKeys[level];
    key.possible = true;
    key.required = this.flowLevel === 0 && this.indent === this.column;
    key.tokenNumber = this.#nextTokenNumber();
    key.index = this.index;
    key.line = this.line;
    key.column = this.column;
    this.#keysByToken.set(key.tokenNumber, level);
  }

  #removeSimpleKey(): void {
    const key = this.#simpleKeys[this.#levels - 1];
    if (!key.possible) return;
    if (key.required) throw scannerError(this.line, "could not find expected ':'");
    key.possible = false;
    this.#keysByToken.delete(key.tokenNumber);
  }

  #increaseFlowLevel(): void {
    // A closed level's key object is reused; every field is set anew, as go-yaml appends a fresh one.
    const placeholder = this.#simpleKeys[this.#levels] ?? new SimpleKey(false, false, 0, 0, 0, 0);
    this.#simpleKeys[this.#levels++] = placeholder;
    placeholder.possible = false;
    placeholder.required = false;
    placeholder.tokenNumber = this.#nextTokenNumber();
    placeholder.index = this.index;
    placeholder.line = this.line;
    placeholder.column = this.column;
    this.flowLevel++;
    if (this.flowLevel > MAX_LEVELS) {
      throw scannerError(this.line, `exceeded max depth of ${MAX_LEVELS}`);
    }
  }

  #decreaseFlowLevel(): void {
    if (this.flowLevel === 0) return;
    this.flowLevel--;
    // Deletes by the popped level's current key, even when another level holds that number.
    this.#keysByToken.delete(this.#simpleKeys[--this.#levels].tokenNumber);
  }

  /** Opens a block collection at `column` when it is deeper than the current one. */
  #rollIndent(column: number, tokenNumber: number, type: number, line: number): void {
    if (this.flowLevel > 0 || this.indent >= column) return;
    this.#indents.push(this.indent);
    this.indent = column;
    if (this.#indents.length > MAX_LEVELS) {
      throw scannerError(this.line, `exceeded max depth of ${MAX_LEVELS}`);
    }
    const token = this.#token(type, line);
    if (tokenNumber < 0) this.#push(token);
    else this.#insert(tokenNumber - this.#tokensParsed, token);
  }

  /** Closes the block collections deeper than `column`. */
  #unrollIndent(column: number): void {
    if (this.flowLevel > 0) return;
    while (this.indent > column) {
      this.#push(this.#token(BLOCK_END, this.line));
      this.indent = this.#indents.pop()!;
    }
  }

  #fetchStreamStart(): void {
    this.indent = -1;
    this.#simpleKeys[this.#levels++] = new SimpleKey(false, false, 0, 0, 0, 0);
    this.simpleKeyAllowed = true;
    this.#streamStarted = true;
    this.#push(this.#token(STREAM_START, this.line));
  }

  #fetchStreamEnd(): void {
    if (this.column !== 0) {
      this.column = 0;
      this.line++;
    }
    this.#unrollIndent(-1);
    this.#removeSimpleKey();
    this.simpleKeyAllowed = false;
    this.#push(this.#token(STREAM_END, this.line));
  }

  #fetchDirective(): void {
    this.#unrollIndent(-1);
    this.#removeSimpleKey();
    this.simpleKeyAllowed = false;
    const line = this.line;
    const directive = scanDirective(this);
    this.#push(this.#token(directive.type, line, directive.value, 0, directive.suffix));
  }

  #fetchDocumentIndicator(type: number): void {
    this.#unrollIndent(-1);
    this.#removeSimpleKey();
    this.simpleKeyAllowed = false;
    const line = this.line;
    this.skip();
    this.skip();
    this.skip();
    this.#push(this.#token(type, line));
  }

  #fetchFlowCollectionStart(type: number): void {
    this.#saveSimpleKey();
    this.#increaseFlowLevel();
    this.simpleKeyAllowed = true;
    const line = this.line;
    this.skip();
    this.#push(this.#token(type, line));
  }

  #fetchFlowCollectionEnd(type: number): void {
    this.#removeSimpleKey();
    this.#decreaseFlowLevel();
    this.simpleKeyAllowed = false;
    const line = this.line;
    this.skip();
    this.#push(this.#token(type, line));
  }

  #fetchFlowEntry(): void {
    this.#removeSimpleKey();
    this.simpleKeyAllowed = true;
    const line = this.line;
    this.skip();
    this.#push(this.#token(FLOW_ENTRY, line));
  }

  #fetchBlockEntry(): void {
    if (this.flowLevel === 0) {
      if (!this.simpleKeyAllowed) {
        throw scannerError(this.line, "block sequence entries are not allowed in this context");
      }
      this.#rollIndent(this.column, -1, BLOCK_SEQUENCE_START, this.line);
    }
    this.#removeSimpleKey();
    this.simpleKeyAllowed = true;
    const line = this.line;
    this.skip();
    this.#push(this.#token(BLOCK_ENTRY, line));
  }

  #fetchKey(): void {
    if (this.flowLevel === 0) {
      if (!this.simpleKeyAllowed) {
        throw scannerError(this.line, "mapping keys are not allowed in this context");
      }
      this.#rollIndent(this.column, -1, BLOCK_MAPPING_START, this.line);
    }
    this.#removeSimpleKey();
    this.simpleKeyAllowed = this.flowLevel === 0;
    const line = this.line;
    this.skip();
    this.#push(this.#token(KEY, line));
  }

  #fetchValue(): void {
    const key = this.#simpleKeys[this.#levels - 1];
    if (this.#keyIsValid(key)) {
      // The pending simple key was a key after all: KEY (and maybe a mapping start) go before it.
      this.#insert(key.tokenNumber - this.#tokensParsed, this.#token(KEY, key.line));
      this.#rollIndent(key.column, key.tokenNumber, BLOCK_MAPPING_START, key.line);
      key.possible = false;
      this.#keysByToken.delete(key.tokenNumber);
      this.simpleKeyAllowed = false;
    } else {
      if (this.flowLevel === 0) {
        if (!this.simpleKeyAllowed) {
          throw scannerError(this.line, "mapping values are not allowed in this context");
        }
        this.#rollIndent(this.column, -1, BLOCK_MAPPING_START, this.line);
      }
      this.simpleKeyAllowed = this.flowLevel === 0;
    }
    const line = this.line;
    this.skip();
    this.#push(this.#token(VALUE, line));
  }

  #fetchAnchor(type: number): void {
    this.#saveSimpleKey();
    this.simpleKeyAllowed = false;
    const line = this.line;
    this.#push(this.#token(type, line, scanAnchor(this)));
  }

  #fetchTag(): void {
    this.#saveSimpleKey();
    this.simpleKeyAllowed = false;
    const line = this.line;
    const [handle, suffix] = scanTag(this);
    this.#push(this.#token(TAG, line, handle, 0, suffix));
  }

  #fetchBlockScalar(literal: boolean): void {
    this.#removeSimpleKey();
    this.simpleKeyAllowed = true;
    const line = this.line;
    const text = scanBlockScalar(this, literal);
    this.#push(this.#token(SCALAR, line, text, literal ? LITERAL_STYLE : FOLDED_STYLE));
  }

  #fetchFlowScalar(single: boolean): void {
    this.#saveSimpleKey();
    this.simpleKeyAllowed = false;
    const line = this.line;
    const text = scanFlowScalar(this, single);
    this.#push(this.#token(SCALAR, line, text, single ? SINGLE_QUOTED_STYLE : DOUBLE_QUOTED_STYLE));
  }

  #fetchPlainScalar(): void {
    this.#saveSimpleKey();
    this.simpleKeyAllowed = false;
    const line = this.line;
    this.#push(this.#token(SCALAR, line, scanPlainScalar(this), PLAIN_STYLE));
  }

  /** Skips blanks, comments and line breaks up to the next token. */
  #scanToNextToken(): void {
    for (;;) {
      this.cache(1);
      if (this.column === 0 && this.bufferStartsWithBom()) this.skip();
      this.cache(1);
      let c = this.at();
      // Tabs separate tokens only where no simple key may start (inside flow, or after one).
      while (c === 0x20 || ((this.flowLevel > 0 || !this.simpleKeyAllowed) && c === 0x09)) {
        this.skip();
        this.cache(1);
        c = this.at();
      }
      if (c === 0x23) {
        while (!isBreakZ(c)) {
          this.skip();
          this.cache(1);
          c = this.at();
        }
      }
      if (!isBreak(c)) return;
      this.cache(2);
      this.skipLine();
      if (this.flowLevel === 0) this.simpleKeyAllowed = true;
    }
  }
}

/** Characters that cannot start a plain scalar (besides blanks). */
const INDICATORS = new Set([..."-?:,[]{}#&*!|>'\"%@`"].map((c) => c.charCodeAt(0)));
