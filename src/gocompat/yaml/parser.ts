/**
 * The YAML parser: tokens to events, libyaml's state machine as go-yaml v2
 * runs it, with its error messages and (0-based, as go-yaml prints them)
 * lines. It keeps explicit stacks of states and marks instead of recursing,
 * so nesting costs no call stack; callers bound the nesting they accept.
 *
 * @module
 */

import { parserError } from "./input.ts";
import { YamlScanner } from "./scanner.ts";
import {
  ALIAS,
  ANCHOR,
  BLOCK_END,
  BLOCK_ENTRY,
  BLOCK_MAPPING_START,
  BLOCK_SEQUENCE_START,
  DOCUMENT_END,
  DOCUMENT_START,
  FLOW_ENTRY,
  FLOW_MAPPING_END,
  FLOW_MAPPING_START,
  FLOW_SEQUENCE_END,
  FLOW_SEQUENCE_START,
  KEY,
  PLAIN_STYLE,
  SCALAR,
  STREAM_END,
  TAG,
  TAG_DIRECTIVE,
  type Token,
  VALUE,
  VERSION_DIRECTIVE,
} from "./token.ts";

/** `STREAM-START` event. */
export const STREAM_START_EVENT = 1;
/** `STREAM-END` event. */
export const STREAM_END_EVENT = 2;
/** `DOCUMENT-START` event. */
export const DOCUMENT_START_EVENT = 3;
/** `DOCUMENT-END` event. */
export const DOCUMENT_END_EVENT = 4;
/** An alias; {@linkcode YamlParser.anchor} is its name. */
export const ALIAS_EVENT = 5;
/** A scalar; see {@linkcode YamlParser.value}, `tag`, `implicit`, `anchor`. */
export const SCALAR_EVENT = 6;
/** A sequence starts; `anchor` and `tag` are set. */
export const SEQUENCE_START_EVENT = 7;
/** A sequence ends. */
export const SEQUENCE_END_EVENT = 8;
/** A mapping starts; `anchor` and `tag` are set. */
export const MAPPING_START_EVENT = 9;
/** A mapping ends. */
export const MAPPING_END_EVENT = 10;

const STREAM_START_STATE = 0;
const IMPLICIT_DOCUMENT_START_STATE = 1;
const DOCUMENT_START_STATE = 2;
const DOCUMENT_CONTENT_STATE = 3;
const DOCUMENT_END_STATE = 4;
const BLOCK_NODE_STATE = 5;
const BLOCK_SEQUENCE_FIRST_ENTRY_STATE = 6;
const BLOCK_SEQUENCE_ENTRY_STATE = 7;
const INDENTLESS_SEQUENCE_ENTRY_STATE = 8;
const BLOCK_MAPPING_FIRST_KEY_STATE = 9;
const BLOCK_MAPPING_KEY_STATE = 10;
const BLOCK_MAPPING_VALUE_STATE = 11;
const FLOW_SEQUENCE_FIRST_ENTRY_STATE = 12;
const FLOW_SEQUENCE_ENTRY_STATE = 13;
const FLOW_SEQUENCE_ENTRY_MAPPING_KEY_STATE = 14;
const FLOW_SEQUENCE_ENTRY_MAPPING_VALUE_STATE = 15;
const FLOW_SEQUENCE_ENTRY_MAPPING_END_STATE = 16;
const FLOW_MAPPING_FIRST_KEY_STATE = 17;
const FLOW_MAPPING_KEY_STATE = 18;
const FLOW_MAPPING_VALUE_STATE = 19;
const FLOW_MAPPING_EMPTY_VALUE_STATE = 20;
const END_STATE = 21;

/** The tag handles every document knows. */
const DEFAULT_TAG_DIRECTIVES: [string, string][] = [["!", "!"], ["!!", "tag:yaml.org,2002:"]];

/** Pulls events from YAML text; the fields describe the last event {@linkcode next} returned. */
export class YamlParser {
  /** Anchor of a node event, or the name of an alias ("" for none). */
  anchor = "";
  /** Full tag of a node event (`tag:yaml.org,2002:int`, `!local`, `!`), or "" for none. */
  tag = "";
  /** Text of a scalar event. */
  value = "";
  /** libyaml's `plain_implicit`: a plain scalar without a tag, or with the `!` tag. */
  implicit = false;

  #scanner: YamlScanner;
  #state = STREAM_START_STATE;
  #states: number[] = [];
  /** Lines where the open collections start (the context of their errors). */
  #marks: number[] = [];
  #tagDirectives = new Map<string, string>();

  /** A parser over `source`. */
  constructor(source: string) {
    this.#scanner = new YamlScanner(source);
  }

  /**
   * The next event.
   *
   * @throws {YamlSyntaxError} with go-yaml's message for a syntax error.
   */
  next(): number {
    this.anchor = "";
    this.tag = "";
    this.value = "";
    this.implicit = false;
    switch (this.#state) {
      case STREAM_START_STATE:
        this.#scanner.peek();
        this.#state = IMPLICIT_DOCUMENT_START_STATE;
        this.#scanner.skipToken();
        return STREAM_START_EVENT;
      case IMPLICIT_DOCUMENT_START_STATE:
        return this.#documentStart(true);
      case DOCUMENT_START_STATE:
        return this.#documentStart(false);
      case DOCUMENT_CONTENT_STATE:
        return this.#documentContent();
      case DOCUMENT_END_STATE:
        return this.#documentEnd();
      case BLOCK_NODE_STATE:
        return this.#node(true, false);
      case BLOCK_SEQUENCE_FIRST_ENTRY_STATE:
        return this.#blockSequenceEntry(true);
      case BLOCK_SEQUENCE_ENTRY_STATE:
        return this.#blockSequenceEntry(false);
      case INDENTLESS_SEQUENCE_ENTRY_STATE:
        return this.#indentlessSequenceEntry();
      case BLOCK_MAPPING_FIRST_KEY_STATE:
        return this.#blockMappingKey(true);
      case BLOCK_MAPPING_KEY_STATE:
        return this.#blockMappingKey(false);
      case BLOCK_MAPPING_VALUE_STATE:
        return this.#blockMappingValue();
      case FLOW_SEQUENCE_FIRST_ENTRY_STATE:
        return this.#flowSequenceEntry(true);
      case FLOW_SEQUENCE_ENTRY_STATE:
        return this.#flowSequenceEntry(false);
      case FLOW_SEQUENCE_ENTRY_MAPPING_KEY_STATE:
        return this.#flowSequenceEntryMappingKey();
      case FLOW_SEQUENCE_ENTRY_MAPPING_VALUE_STATE:
        return this.#flowSequenceEntryMappingValue();
      case FLOW_SEQUENCE_ENTRY_MAPPING_END_STATE:
        this.#scanner.peek();
        this.#state = FLOW_SEQUENCE_ENTRY_STATE;
        return MAPPING_END_EVENT;
      case FLOW_MAPPING_FIRST_KEY_STATE:
        return this.#flowMappingKey(true);
      case FLOW_MAPPING_KEY_STATE:
        return this.#flowMappingKey(false);
      case FLOW_MAPPING_VALUE_STATE:
        return this.#flowMappingValue(false);
      case FLOW_MAPPING_EMPTY_VALUE_STATE:
        return this.#flowMappingValue(true);
    }
    return STREAM_END_EVENT;
  }

  #peek(): Token {
    return this.#scanner.peek();
  }

  #skip(): void {
    this.#scanner.skipToken();
  }

  #pop(): void {
    this.#state = this.#states.pop()!;
  }

  /** A scalar event with no text, tag or anchor (a missing key or value). */
  #empty(): number {
    this.implicit = true;
    return SCALAR_EVENT;
  }

  #documentStart(implicit: boolean): number {
    let token = this.#peek();
    if (!implicit) {
      while (token.type === DOCUMENT_END) {
        this.#skip();
        token = this.#peek();
      }
    }
    if (
      implicit && token.type !== VERSION_DIRECTIVE && token.type !== TAG_DIRECTIVE &&
      token.type !== DOCUMENT_START && token.type !== STREAM_END
    ) {
      this.#processDirectives();
      this.#states.push(DOCUMENT_END_STATE);
      this.#state = BLOCK_NODE_STATE;
      return DOCUMENT_START_EVENT;
    }
    if (token.type === STREAM_END) {
      this.#state = END_STATE;
      this.#skip();
      return STREAM_END_EVENT;
    }
    this.#processDirectives();
    token = this.#peek();
    if (token.type !== DOCUMENT_START) {
      throw parserError("did not find expected <document start>", {
        problem: token.line,
        context: 0,
      });
    }
    this.#states.push(DOCUMENT_END_STATE);
    this.#state = DOCUMENT_CONTENT_STATE;
    this.#skip();
    return DOCUMENT_START_EVENT;
  }

  #processDirectives(): void {
    let version = false;
    let token = this.#peek();
    while (token.type === VERSION_DIRECTIVE || token.type === TAG_DIRECTIVE) {
      if (token.type === VERSION_DIRECTIVE) {
        if (version) {
          throw parserError("found duplicate %YAML directive", { problem: token.line, context: 0 });
        }
        if (token.value !== "1.1") {
          throw parserError("found incompatible YAML document", {
            problem: token.line,
            context: 0,
          });
        }
        version = true;
      } else {
        if (this.#tagDirectives.has(token.value)) {
          throw parserError("found duplicate %TAG directive", { problem: token.line, context: 0 });
        }
        this.#tagDirectives.set(token.value, token.suffix);
      }
      this.#skip();
      token = this.#peek();
    }
    for (const [handle, prefix] of DEFAULT_TAG_DIRECTIVES) {
      if (!this.#tagDirectives.has(handle)) this.#tagDirectives.set(handle, prefix);
    }
  }

  #documentContent(): number {
    const type = this.#peek().type;
    if (
      type === VERSION_DIRECTIVE || type === TAG_DIRECTIVE || type === DOCUMENT_START ||
      type === DOCUMENT_END || type === STREAM_END
    ) {
      this.#pop();
      return this.#empty();
    }
    return this.#node(true, false);
  }

  #documentEnd(): number {
    if (this.#peek().type === DOCUMENT_END) this.#skip();
    this.#tagDirectives.clear();
    this.#state = DOCUMENT_START_STATE;
    return DOCUMENT_END_EVENT;
  }

  #node(block: boolean, indentlessSequence: boolean): number {
    let token = this.#peek();
    if (token.type === ALIAS) {
      this.#pop();
      this.anchor = token.value;
      this.#skip();
      return ALIAS_EVENT;
    }
    let startLine = token.line;
    let tagLine = 0;
    let handle: string | undefined;
    let suffix = "";
    if (token.type === ANCHOR) {
      this.anchor = token.value;
      this.#skip();
      token = this.#peek();
      if (token.type === TAG) {
        [handle, suffix, tagLine] = [token.value, token.suffix, token.line];
        this.#skip();
        token = this.#peek();
      }
    } else if (token.type === TAG) {
      [handle, suffix, tagLine] = [token.value, token.suffix, token.line];
      startLine = token.line;
      this.#skip();
      token = this.#peek();
      if (token.type === ANCHOR) {
        this.anchor = token.value;
        this.#skip();
        token = this.#peek();
      }
    }
    if (handle !== undefined) {
      const prefix = handle === "" ? "" : this.#tagDirectives.get(handle);
      if (prefix === undefined) {
        throw parserError("found undefined tag handle", { problem: tagLine, context: startLine });
      }
      this.tag = prefix + suffix;
    }
    if (indentlessSequence && token.type === BLOCK_ENTRY) {
      this.#state = INDENTLESS_SEQUENCE_ENTRY_STATE;
      return SEQUENCE_START_EVENT;
    }
    switch (token.type) {
      case SCALAR:
        this.value = token.value;
        this.implicit = (this.tag === "" && token.style === PLAIN_STYLE) || this.tag === "!";
        this.#pop();
        this.#skip();
        return SCALAR_EVENT;
      case FLOW_SEQUENCE_START:
        this.#state = FLOW_SEQUENCE_FIRST_ENTRY_STATE;
        return SEQUENCE_START_EVENT;
      case FLOW_MAPPING_START:
        this.#state = FLOW_MAPPING_FIRST_KEY_STATE;
        return MAPPING_START_EVENT;
    }
    if (block && token.type === BLOCK_SEQUENCE_START) {
      this.#state = BLOCK_SEQUENCE_FIRST_ENTRY_STATE;
      return SEQUENCE_START_EVENT;
    }
    if (block && token.type === BLOCK_MAPPING_START) {
      this.#state = BLOCK_MAPPING_FIRST_KEY_STATE;
      return MAPPING_START_EVENT;
    }
    if (this.anchor !== "" || this.tag !== "") {
      // An anchor or tag with no content is an empty scalar.
      this.implicit = this.tag === "";
      this.#pop();
      return SCALAR_EVENT;
    }
    throw parserError("did not find expected node content", {
      problem: token.line,
      context: startLine,
    });
  }

  /** Consumes the token that opened a collection, remembering its line. */
  #openCollection(): void {
    this.#marks.push(this.#peek().line);
    this.#skip();
  }

  /** Ends a collection: back to the state that opened it. */
  #closeCollection(event: number, skip: boolean): number {
    this.#pop();
    this.#marks.pop();
    if (skip) this.#skip();
    return event;
  }

  #blockSequenceEntry(first: boolean): number {
    if (first) this.#openCollection();
    let token = this.#peek();
    if (token.type === BLOCK_ENTRY) {
      this.#skip();
      token = this.#peek();
      if (token.type !== BLOCK_ENTRY && token.type !== BLOCK_END) {
        this.#states.push(BLOCK_SEQUENCE_ENTRY_STATE);
        return this.#node(true, false);
      }
      this.#state = BLOCK_SEQUENCE_ENTRY_STATE;
      return this.#empty();
    }
    if (token.type === BLOCK_END) return this.#closeCollection(SEQUENCE_END_EVENT, true);
    throw parserError("did not find expected '-' indicator", {
      problem: token.line,
      context: this.#marks.pop()!,
    });
  }

  #indentlessSequenceEntry(): number {
    let token = this.#peek();
    if (token.type === BLOCK_ENTRY) {
      this.#skip();
      token = this.#peek();
      if (
        token.type !== BLOCK_ENTRY && token.type !== KEY && token.type !== VALUE &&
        token.type !== BLOCK_END
      ) {
        this.#states.push(INDENTLESS_SEQUENCE_ENTRY_STATE);
        return this.#node(true, false);
      }
      this.#state = INDENTLESS_SEQUENCE_ENTRY_STATE;
      return this.#empty();
    }
    this.#pop();
    return SEQUENCE_END_EVENT;
  }

  #blockMappingKey(first: boolean): number {
    if (first) this.#openCollection();
    let token = this.#peek();
    if (token.type === KEY) {
      this.#skip();
      token = this.#peek();
      if (token.type !== KEY && token.type !== VALUE && token.type !== BLOCK_END) {
        this.#states.push(BLOCK_MAPPING_VALUE_STATE);
        return this.#node(true, true);
      }
      this.#state = BLOCK_MAPPING_VALUE_STATE;
      return this.#empty();
    }
    if (token.type === BLOCK_END) return this.#closeCollection(MAPPING_END_EVENT, true);
    throw parserError("did not find expected key", {
      problem: token.line,
      context: this.#marks.pop()!,
    });
  }

  #blockMappingValue(): number {
    let token = this.#peek();
    if (token.type === VALUE) {
      this.#skip();
      token = this.#peek();
      if (token.type !== KEY && token.type !== VALUE && token.type !== BLOCK_END) {
        this.#states.push(BLOCK_MAPPING_KEY_STATE);
        return this.#node(true, true);
      }
    }
    this.#state = BLOCK_MAPPING_KEY_STATE;
    return this.#empty();
  }

  #flowSequenceEntry(first: boolean): number {
    if (first) this.#openCollection();
    let token = this.#peek();
    if (token.type !== FLOW_SEQUENCE_END) {
      if (!first) {
        if (token.type !== FLOW_ENTRY) {
          throw parserError("did not find expected ',' or ']'", {
            problem: token.line,
            context: this.#marks.pop()!,
          });
        }
        this.#skip();
        token = this.#peek();
      }
      if (token.type === KEY) {
        // `[a: b]`: a single-pair mapping inside the sequence.
        this.#state = FLOW_SEQUENCE_ENTRY_MAPPING_KEY_STATE;
        this.implicit = true;
        this.#skip();
        return MAPPING_START_EVENT;
      }
      if (token.type !== FLOW_SEQUENCE_END) {
        this.#states.push(FLOW_SEQUENCE_ENTRY_STATE);
        return this.#node(false, false);
      }
    }
    return this.#closeCollection(SEQUENCE_END_EVENT, true);
  }

  #flowSequenceEntryMappingKey(): number {
    const type = this.#peek().type;
    if (type !== VALUE && type !== FLOW_ENTRY && type !== FLOW_SEQUENCE_END) {
      this.#states.push(FLOW_SEQUENCE_ENTRY_MAPPING_VALUE_STATE);
      return this.#node(false, false);
    }
    // libyaml consumes the token here whatever it is (go-yaml kept that).
    this.#skip();
    this.#state = FLOW_SEQUENCE_ENTRY_MAPPING_VALUE_STATE;
    return this.#empty();
  }

  #flowSequenceEntryMappingValue(): number {
    if (this.#peek().type === VALUE) {
      this.#skip();
      const type = this.#peek().type;
      if (type !== FLOW_ENTRY && type !== FLOW_SEQUENCE_END) {
        this.#states.push(FLOW_SEQUENCE_ENTRY_MAPPING_END_STATE);
        return this.#node(false, false);
      }
    }
    this.#state = FLOW_SEQUENCE_ENTRY_MAPPING_END_STATE;
    return this.#empty();
  }

  #flowMappingKey(first: boolean): number {
    if (first) this.#openCollection();
    let token = this.#peek();
    if (token.type !== FLOW_MAPPING_END) {
      if (!first) {
        if (token.type !== FLOW_ENTRY) {
          throw parserError("did not find expected ',' or '}'", {
            problem: token.line,
            context: this.#marks.pop()!,
          });
        }
        this.#skip();
        token = this.#peek();
      }
      if (token.type === KEY) {
        this.#skip();
        const type = this.#peek().type;
        if (type !== VALUE && type !== FLOW_ENTRY && type !== FLOW_MAPPING_END) {
          this.#states.push(FLOW_MAPPING_VALUE_STATE);
          return this.#node(false, false);
        }
        this.#state = FLOW_MAPPING_VALUE_STATE;
        return this.#empty();
      }
      if (token.type !== FLOW_MAPPING_END) {
        this.#states.push(FLOW_MAPPING_EMPTY_VALUE_STATE);
        return this.#node(false, false);
      }
    }
    return this.#closeCollection(MAPPING_END_EVENT, true);
  }

  #flowMappingValue(empty: boolean): number {
    this.#peek();
    if (!empty && this.#peek().type === VALUE) {
      this.#skip();
      const type = this.#peek().type;
      if (type !== FLOW_ENTRY && type !== FLOW_MAPPING_END) {
        this.#states.push(FLOW_MAPPING_KEY_STATE);
        return this.#node(false, false);
      }
    }
    this.#state = FLOW_MAPPING_KEY_STATE;
    return this.#empty();
  }
}
