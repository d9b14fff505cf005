/**
 * The values our YAML 1.1 parser produces, and its syntax error. They live
 * apart from the parser so that every stage (decoder, scalar resolution,
 * callers) can name them without importing the parser.
 *
 * @module
 */

/** A YAML mapping, kept as ordered pairs so that later duplicates can win. */
export class YamlMapping {
  /** The key/value pairs in document order (merge keys already expanded). */
  readonly entries: [YamlValue, YamlValue][] = [];
}

/** A YAML timestamp, kept as the RFC 3339 text Go's `time.Time` marshals to. */
export class YamlTimestamp {
  /** Creates a timestamp holding Go's JSON rendering of the time. */
  constructor(readonly rfc3339: string) {}
}

/**
 * A resolved YAML value: integers are `bigint` (go-yaml keeps 64 bits), floats
 * are `number`.
 */
export type YamlValue =
  | null
  | boolean
  | bigint
  | number
  | string
  | YamlTimestamp
  | YamlValue[]
  | YamlMapping;

/** A YAML syntax error, with go-yaml's `yaml: line N: ...` wording. */
export class YamlSyntaxError extends Error {
  /** Creates the error from a message already in go-yaml's form. */
  constructor(message: string) {
    super(message);
    this.name = "YamlSyntaxError";
  }
}
