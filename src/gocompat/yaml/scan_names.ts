/**
 * The named parts of YAML as go-yaml v2's port of libyaml scans them:
 * directives (`%YAML 1.1`, `%TAG !e! prefix`), anchor and alias names, and
 * tags (`!!int`, `!local`, `!e!x`, `!<verbatim>`, `%`-escaped UTF-8), with
 * libyaml's error messages.
 *
 * @module
 */

import {
  hexValue,
  isAlpha,
  isBlank,
  isBlankZ,
  isDigit,
  scannerError,
  type YamlInput,
} from "./input.ts";
import { TAG_DIRECTIVE, VERSION_DIRECTIVE } from "./token.ts";

/** A directive: the token type, `%YAML`'s version or `%TAG`'s handle, and `%TAG`'s prefix. */
export interface Directive {
  /** {@linkcode VERSION_DIRECTIVE} or {@linkcode TAG_DIRECTIVE}. */
  type: number;
  /** `major.minor`, or the tag handle. */
  value: string;
  /** The tag prefix ("" for `%YAML`). */
  suffix: string;
}

/** Characters of a tag URI besides libyaml's "alpha" ones. */
const URI_CHARACTERS = new Set([..."';/?:@&=+$,.!~*()[]%"].map((c) => c.charCodeAt(0)));
/** Characters that may follow an anchor or alias name. */
const ANCHOR_ENDS = new Set([..."?:,]}%@`"].map((c) => c.charCodeAt(0)));

/**
 * A `%YAML` or `%TAG` directive, from its `%`, with the rest of its line.
 */
export function scanDirective(input: YamlInput): Directive {
  input.skip();
  const name = scanDirectiveName(input);
  let directive: Directive;
  if (name === "YAML") {
    const major = scanVersionNumber(input, true);
    if (input.at() !== 0x2e) {
      throw scannerError(input.line, "did not find expected digit or '.' character");
    }
    input.skip();
    const minor = scanVersionNumber(input, false);
    directive = { type: VERSION_DIRECTIVE, value: `${major}.${minor}`, suffix: "" };
  } else if (name === "TAG") {
    input.skipBlanks();
    const handle = scanTagHandle(input, true);
    input.cache(1);
    if (!isBlank(input.at())) throw scannerError(input.line, "did not find expected whitespace");
    input.skipBlanks();
    const prefix = scanTagUri(input, "");
    input.cache(1);
    if (!isBlankZ(input.at())) {
      throw scannerError(input.line, "did not find expected whitespace or line break");
    }
    directive = { type: TAG_DIRECTIVE, value: handle, suffix: prefix };
  } else {
    throw scannerError(input.line, "found unknown directive name");
  }
  input.skipToLineEnd();
  return directive;
}

function scanDirectiveName(input: YamlInput): string {
  input.cache(1);
  const start = input.pos;
  while (isAlpha(input.at())) {
    input.skip();
    input.cache(1);
  }
  if (input.pos === start) throw scannerError(input.line, "could not find expected directive name");
  if (!isBlankZ(input.at())) {
    throw scannerError(input.line, "found unexpected non-alphabetical character");
  }
  return input.src.slice(start, input.pos);
}

/** One number of `%YAML major.minor` (at most two digits), after blanks when `first`. */
function scanVersionNumber(input: YamlInput, first: boolean): number {
  if (first) input.skipBlanks();
  input.cache(1);
  let value = 0;
  let length = 0;
  while (isDigit(input.at())) {
    if (++length > 2) throw scannerError(input.line, "found extremely long version number");
    value = value * 10 + input.at() - 0x30;
    input.skip();
    input.cache(1);
  }
  if (length === 0) throw scannerError(input.line, "did not find expected version number");
  return value;
}

/** The name of an anchor (`&name`) or alias (`*name`), from its indicator. */
export function scanAnchor(input: YamlInput): string {
  input.skip();
  input.cache(1);
  const start = input.pos;
  while (isAlpha(input.at())) {
    input.skip();
    input.cache(1);
  }
  const c = input.at();
  if (input.pos === start || !(isBlankZ(c) || ANCHOR_ENDS.has(c))) {
    throw scannerError(input.line, "did not find expected alphabetic or numeric character");
  }
  return input.src.slice(start, input.pos);
}

/**
 * A tag, from its `!`: its handle (`!!`, `!`, `!e!`, or "" for a verbatim
 * `!<...>` or a lone `!`) and suffix.
 */
export function scanTag(input: YamlInput): [handle: string, suffix: string] {
  input.cache(2);
  let handle: string;
  let suffix: string;
  if (input.at(1) === 0x3c) { // !<verbatim>
    handle = "";
    input.skip();
    input.skip();
    suffix = scanTagUri(input, "");
    if (input.at() !== 0x3e) throw scannerError(input.line, "did not find the expected '>'");
    input.skip();
  } else {
    handle = scanTagHandle(input, false);
    if (handle.length > 1 && handle.endsWith("!")) {
      suffix = scanTagUri(input, "");
    } else {
      // `!local` (or a lone `!`): the handle is `!` and what followed it is the suffix.
      suffix = scanTagUri(input, handle);
      handle = "!";
      if (suffix === "") [handle, suffix] = [suffix, handle];
    }
  }
  input.cache(1);
  if (!isBlankZ(input.at())) {
    throw scannerError(input.line, "did not find expected whitespace or line break");
  }
  return [handle, suffix];
}

function scanTagHandle(input: YamlInput, directive: boolean): string {
  input.cache(1);
  if (input.at() !== 0x21) throw scannerError(input.line, "did not find expected '!'");
  const start = input.pos;
  input.skip();
  input.cache(1);
  while (isAlpha(input.at())) {
    input.skip();
    input.cache(1);
  }
  if (input.at() === 0x21) {
    input.skip();
  } else if (directive && input.pos - start !== 1) {
    throw scannerError(input.line, "did not find expected '!'");
  }
  return input.src.slice(start, input.pos);
}

/** A tag URI; `head` is a handle read before it (its text after the `!` starts the URI). */
function scanTagUri(input: YamlInput, head: string): string {
  let uri = head.length > 1 ? head.slice(1) : "";
  let found = head.length > 0;
  input.cache(1);
  let run = input.pos;
  for (let c = input.at(); isAlpha(c) || URI_CHARACTERS.has(c); c = input.at()) {
    if (c === 0x25) {
      uri += input.src.slice(run, input.pos) + scanUriEscapes(input);
      run = input.pos;
    } else {
      input.skip();
    }
    input.cache(1);
    found = true;
  }
  uri += input.src.slice(run, input.pos);
  if (!found) throw scannerError(input.line, "did not find expected tag URI");
  return uri;
}

/**
 * One UTF-8 character written as `%XX` escapes. A well-formed sequence that
 * is not a character (overlong, a surrogate) becomes U+FFFD: such a tag can
 * never be one of go-yaml's, which is all a tag's text decides.
 */
function scanUriEscapes(input: YamlInput): string {
  let codePoint = 0;
  let width = 0;
  for (let remaining = 1024; remaining > 0; remaining--) {
    input.cache(3);
    const high = hexValue(input.at(1));
    const low = hexValue(input.at(2));
    if (input.at() !== 0x25 || high < 0 || low < 0) {
      throw scannerError(input.line, "did not find URI escaped octet");
    }
    const octet = high * 16 + low;
    if (remaining === 1024) {
      remaining = width = utf8SequenceLength(octet);
      if (width === 0) throw scannerError(input.line, "found an incorrect leading UTF-8 octet");
      codePoint = width === 1 ? octet : octet & (0x7f >> width);
    } else if ((octet & 0xc0) !== 0x80) {
      throw scannerError(input.line, "found an incorrect trailing UTF-8 octet");
    } else {
      codePoint = (codePoint << 6) | (octet & 0x3f);
    }
    input.skip();
    input.skip();
    input.skip();
  }
  const shortest = [0, 0, 0x80, 0x800, 0x10000][width];
  const valid = codePoint >= shortest && codePoint <= 0x10ffff &&
    !(codePoint >= 0xd800 && codePoint <= 0xdfff);
  return valid ? String.fromCodePoint(codePoint) : "\ufffd";
}

/** Bytes of a UTF-8 sequence from its leading octet (0: not a leading octet). */
function utf8SequenceLength(octet: number): number {
  if ((octet & 0x80) === 0) return 1;
  if ((octet & 0xe0) === 0xc0) return 2;
  if ((octet & 0xf0) === 0xe0) return 3;
  return (octet & 0xf8) === 0xf0 ? 4 : 0;
}
