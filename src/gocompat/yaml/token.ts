/**
 * The tokens of our YAML scanner: libyaml's token kinds (go-yaml v2 runs a Go
 * port of libyaml), with only the fields the parser reads.
 *
 * @module
 */

/** `STREAM-START`. */
export const STREAM_START = 1;
/** `STREAM-END`. */
export const STREAM_END = 2;
/** `%YAML` directive. */
export const VERSION_DIRECTIVE = 3;
/** `%TAG` directive. */
export const TAG_DIRECTIVE = 4;
/** `---`. */
export const DOCUMENT_START = 5;
/** `...`. */
export const DOCUMENT_END = 6;
/** Indentation opens a block sequence. */
export const BLOCK_SEQUENCE_START = 7;
/** Indentation opens a block mapping. */
export const BLOCK_MAPPING_START = 8;
/** Indentation closes a block collection. */
export const BLOCK_END = 9;
/** `[`. */
export const FLOW_SEQUENCE_START = 10;
/** `]`. */
export const FLOW_SEQUENCE_END = 11;
/** `{`. */
export const FLOW_MAPPING_START = 12;
/** `}`. */
export const FLOW_MAPPING_END = 13;
/** `-` of a block sequence. */
export const BLOCK_ENTRY = 14;
/** `,`. */
export const FLOW_ENTRY = 15;
/** `?`, or the place a simple key turned out to start. */
export const KEY = 16;
/** `:`. */
export const VALUE = 17;
/** `*name`. */
export const ALIAS = 18;
/** `&name`. */
export const ANCHOR = 19;
/** `!tag`. */
export const TAG = 20;
/** A scalar of any style. */
export const SCALAR = 21;

/** Plain scalar style. */
export const PLAIN_STYLE = 1;
/** `'single'` scalar style. */
export const SINGLE_QUOTED_STYLE = 2;
/** `"double"` scalar style. */
export const DOUBLE_QUOTED_STYLE = 3;
/** `|` scalar style. */
export const LITERAL_STYLE = 4;
/** `>` scalar style. */
export const FOLDED_STYLE = 5;

/**
 * One token. Of its marks only the 0-based line of the start is kept: error
 * messages name lines, and nothing after the scanner needs columns. The
 * scanner reuses a token once the parser has moved past it (a document has
 * hundreds of thousands of tokens, rarely more than a few alive at once).
 */
export class Token {
  /** Creates a token of `type` starting on `line`. */
  constructor(
    public type: number,
    public line: number,
    /** Scalar text, anchor or alias name, tag or `%TAG` handle, `%YAML` version (`1.1`). */
    public value = "",
    /** Scalar style. */
    public style = 0,
    /** Tag suffix, or `%TAG` prefix. */
    public suffix = "",
  ) {}
}
