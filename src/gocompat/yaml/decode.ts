/**
 * Decoding of a YAML tape into values, the way go-yaml v2 decodes a document
 * into a Go `interface{}`: the same order of work (keys before values, merge
 * sequences from the last map to the first, each alias expanded again where
 * it is used), hence the same first error, and go-yaml's "excessive
 * aliasing" guard counted exactly as go-yaml counts it.
 *
 * The walk keeps its own stack instead of recursing, and checks the node and
 * depth budgets as it goes: an alias expands to as many nodes (and as deep) as
 * its anchored value, so a short document can still go over them here.
 *
 * @module
 */

import { LimitError } from "../../limits/mod.ts";
import {
  ALIAS_NODE,
  LIMIT_MESSAGES,
  MAPPING_NODE,
  SEQUENCE_NODE,
  type YamlLimits,
  type YamlTape,
} from "./compose.ts";
import { goSyntax } from "./go_syntax.ts";
import { decodeScalar } from "./resolve.ts";
import { YamlMapping, YamlSyntaxError, type YamlValue } from "./value.ts";

const MERGE_TAG = "tag:yaml.org,2002:merge";

/** go-yaml v2's `allowedAliasRatio`: 99% for small documents, down to 10% for large ones. */
function allowedAliasRatio(decodes: number): number {
  if (decodes <= 400_000) return 0.99;
  if (decodes >= 4_000_000) return 0.10;
  return 0.99 - 0.89 * ((decodes - 400_000) / 3_600_000);
}

const SEQUENCE_FRAME = 0;
const MAPPING_FRAME = 1;
/** An alias being expanded: done when its value arrives. */
const ALIAS_FRAME = 2;
/** A `<<` map (or alias to one) whose pairs go into `mapping`. */
const MERGE_FRAME = 3;
/** A `<<` sequence of maps, merged last to first into `mapping`. */
const MERGE_LIST_FRAME = 4;

/** One open collection, alias or merge of the walk. */
class Frame {
  /** Sequence items (sequence frames only). */
  items: YamlValue[] = NO_ITEMS;
  key: YamlValue = null;
  hasKey = false;
  /** The maps of a merge list. */
  merges: number[] = NO_MERGES;

  constructor(
    public kind: number,
    /** Next child node (merge lists: index into `merges`, counting down). */
    public cursor: number,
    /** End of the children. */
    public end: number,
    /** Depth of this collection (of the target mapping for merges). */
    public depth: number,
    public mapping: YamlMapping,
  ) {}
}

/**
 * The value of the document on `tape` (`null` for an empty tape).
 *
 * @throws {YamlSyntaxError} with go-yaml's message (tags, merges, aliases, map keys).
 * @throws {LimitError} when aliases expand past the node or depth budget.
 */
export function decodeYaml(tape: YamlTape, limits: YamlLimits): YamlValue {
  return tape.size === 0 ? null : new Decoder(tape, limits).run();
}

class Decoder {
  readonly #tape: YamlTape;
  readonly #limits: YamlLimits;
  readonly #stack: Frame[] = [];
  /** Finished frames, for reuse (a document opens one per collection and alias). */
  readonly #spare: Frame[] = [];
  /** Alias nodes being expanded (go-yaml's "value contains itself" check). */
  readonly #expanding = new Set<number>();
  /** go-yaml counts the document node as its first decode. */
  #decodes = 1;
  #aliased = 0;
  #aliasDepth = 0;
  #nodes = 0;

  constructor(tape: YamlTape, limits: YamlLimits) {
    this.#tape = tape;
    this.#limits = limits;
  }

  run(): YamlValue {
    let value = this.#enter(0, 1);
    for (;;) {
      // A finished value goes to the frame on top; frames that finish pass theirs on.
      while (value !== undefined) {
        const frame = this.#stack[this.#stack.length - 1];
        if (frame === undefined) return value;
        value = this.#deliver(frame, value);
      }
      value = this.#advance(this.#stack[this.#stack.length - 1]);
    }
  }

  /** A frame for a collection, alias or merge (not yet on the stack). */
  #open(kind: number, cursor: number, end: number, depth: number, mapping: YamlMapping): Frame {
    const frame = this.#spare.pop();
    if (frame === undefined) return new Frame(kind, cursor, end, depth, mapping);
    frame.kind = kind;
    frame.cursor = cursor;
    frame.end = end;
    frame.depth = depth;
    frame.mapping = mapping;
    frame.items = NO_ITEMS;
    frame.key = null;
    frame.hasKey = false;
    frame.merges = NO_MERGES;
    return frame;
  }

  /** Takes the top frame off the stack; it is reused by a later {@linkcode #open}. */
  #close(): void {
    this.#spare.push(this.#stack.pop()!);
  }

  /** go-yaml's `unmarshal` entry count and its alias ratio check. */
  #countDecode(): void {
    this.#decodes++;
    if (this.#aliasDepth > 0) this.#aliased++;
    if (
      this.#aliased > 100 && this.#decodes > 1000 &&
      this.#aliased / this.#decodes > allowedAliasRatio(this.#decodes)
    ) {
      throw new YamlSyntaxError("yaml: document contains excessive aliasing");
    }
  }

  /** Our node budget (every scalar and collection reached, aliases expanded). */
  #countNode(): void {
    if (++this.#nodes > this.#limits.nodes.max) {
      throw new LimitError(this.#limits.nodes, LIMIT_MESSAGES.nodes);
    }
  }

  /** The index after `node` and its descendants. */
  #after(node: number): number {
    const kind = this.#tape.kinds[node];
    return kind === SEQUENCE_NODE || kind === MAPPING_NODE ? this.#tape.links[node] : node + 1;
  }

  /**
   * Starts on `node`, a collection at `depth` if it is one: returns a scalar's
   * value, or undefined after opening a frame for a collection.
   */
  #enter(node: number, depth: number): YamlValue | undefined {
    const tape = this.#tape;
    for (;;) {
      this.#countDecode();
      const kind = tape.kinds[node];
      if (kind === ALIAS_NODE) {
        if (this.#expanding.has(node)) {
          throw new YamlSyntaxError(`yaml: anchor '${tape.texts[node]}' value contains itself`);
        }
        this.#expanding.add(node);
        this.#aliasDepth++;
        this.#stack.push(this.#open(ALIAS_FRAME, node, 0, depth, EMPTY));
        node = tape.links[node];
        continue;
      }
      this.#countNode();
      if (kind !== SEQUENCE_NODE && kind !== MAPPING_NODE) {
        // Quoted and block scalars without a tag have the non-specific `!`: they are text.
        const tag = tape.tag(node);
        const plain = tag !== "" || tape.implicit[node] === 1;
        return decodeScalar(tape.texts[node], plain ? tag : "!");
      }
      if (depth > this.#limits.depth.max) {
        throw new LimitError(this.#limits.depth, LIMIT_MESSAGES.depth);
      }
      if (kind === SEQUENCE_NODE) {
        const frame = this.#open(SEQUENCE_FRAME, node + 1, tape.links[node], depth, EMPTY);
        frame.items = [];
        this.#stack.push(frame);
      } else {
        const mapping = new YamlMapping();
        this.#stack.push(this.#open(MAPPING_FRAME, node + 1, tape.links[node], depth, mapping));
      }
      return undefined;
    }
  }

  /** Hands `value` to `frame`; returns what the frame passes on when it is done. */
  #deliver(frame: Frame, value: YamlValue): YamlValue | undefined {
    switch (frame.kind) {
      case ALIAS_FRAME:
        this.#close();
        this.#expanding.delete(frame.cursor);
        this.#aliasDepth--;
        return value;
      case SEQUENCE_FRAME:
        frame.items.push(value);
        return undefined;
      case MAPPING_FRAME:
        if (frame.hasKey) {
          frame.mapping.entries.push([frame.key, value]);
          frame.hasKey = false;
          frame.key = null;
        } else {
          if (Array.isArray(value) || value instanceof YamlMapping) {
            throw new YamlSyntaxError(`yaml: invalid map key: ${goSyntax(value)}`);
          }
          frame.key = value;
          frame.hasKey = true;
        }
        return undefined;
      case MERGE_FRAME:
        this.#close();
        appendEntries(frame.mapping, value as YamlMapping);
        return undefined;
      default: // MERGE_LIST_FRAME
        appendEntries(frame.mapping, value as YamlMapping);
        return undefined;
    }
  }

  /** Moves `frame` on: enters its next child, or finishes it and returns its value. */
  #advance(frame: Frame): YamlValue | undefined {
    if (frame.kind === MERGE_LIST_FRAME) {
      if (frame.cursor < 0) {
        this.#close();
        return undefined;
      }
      const node = frame.merges[frame.cursor--];
      if (!this.#isMapping(node)) throw mergeError();
      return this.#enter(node, frame.depth);
    }
    if (frame.cursor >= frame.end) {
      this.#close();
      return frame.kind === SEQUENCE_FRAME ? frame.items : frame.mapping;
    }
    const node = frame.cursor;
    frame.cursor = this.#after(node);
    if (frame.kind === MAPPING_FRAME && !frame.hasKey && this.#isMerge(node)) {
      const source = frame.cursor;
      frame.cursor = this.#after(source);
      this.#countNode();
      return this.#merge(source, frame);
    }
    return this.#enter(node, frame.depth + 1);
  }

  /** go-yaml's `isMerge`: a `<<` key that is plain (or tagged `!!merge`). */
  #isMerge(node: number): boolean {
    const tape = this.#tape;
    return tape.kinds[node] !== ALIAS_NODE && tape.kinds[node] !== SEQUENCE_NODE &&
      tape.kinds[node] !== MAPPING_NODE && tape.texts[node] === "<<" &&
      (tape.implicit[node] === 1 || tape.tag(node) === MERGE_TAG);
  }

  /** Whether `node` is a mapping, or an alias to one. */
  #isMapping(node: number): boolean {
    const tape = this.#tape;
    const kind = tape.kinds[node];
    return kind === MAPPING_NODE ||
      (kind === ALIAS_NODE && tape.kinds[tape.links[node]] === MAPPING_NODE);
  }

  /** Starts merging the value `source` of a `<<` key into `frame`'s mapping. */
  #merge(source: number, frame: Frame): YamlValue | undefined {
    if (this.#isMapping(source)) {
      this.#stack.push(this.#open(MERGE_FRAME, 0, 0, frame.depth, frame.mapping));
      return this.#enter(source, frame.depth);
    }
    if (this.#tape.kinds[source] !== SEQUENCE_NODE) throw mergeError();
    // go-yaml walks the sequence's maps itself; the sequence counts as a node only for our budget.
    this.#countNode();
    const list = this.#open(MERGE_LIST_FRAME, 0, 0, frame.depth, frame.mapping);
    list.merges = [];
    for (let child = source + 1; child < this.#tape.links[source]; child = this.#after(child)) {
      list.merges.push(child);
    }
    list.cursor = list.merges.length - 1;
    this.#stack.push(list);
    return undefined;
  }
}

/** Stand-ins for what a frame does not hold (never written to). */
const EMPTY = new YamlMapping();
const NO_ITEMS: YamlValue[] = [];
const NO_MERGES: number[] = [];

function mergeError(): YamlSyntaxError {
  return new YamlSyntaxError("yaml: map merge requires map or sequence of maps as the value");
}

/** Appends the pairs of `source` (one by one: a spread of 50,000 arguments would overflow). */
function appendEntries(target: YamlMapping, source: YamlMapping): void {
  for (const entry of source.entries) target.entries.push(entry);
}
