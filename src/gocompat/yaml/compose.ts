/**
 * The first document of a YAML text as a flat list of nodes (a "tape"), the
 * way go-yaml v2 builds its node tree before decoding: anchors are bound as
 * nodes open (so `&a [*a]` refers to itself), an alias to an unknown anchor
 * fails at once, and the token after the document is still scanned.
 *
 * The budgets are checked as each event arrives, before anything is stored:
 * nodes, aliases and nesting depth. A tape costs a few array slots per node
 * plus the scalar texts, far less than a tree of objects.
 *
 * @module
 */

import { type Limit, LimitError, runSteps, type Steps } from "../../limits/mod.ts";
import {
  ALIAS_EVENT,
  MAPPING_START_EVENT,
  SCALAR_EVENT,
  SEQUENCE_START_EVENT,
  STREAM_END_EVENT,
  YamlParser,
} from "./parser.ts";
import { YamlSyntaxError } from "./value.ts";

/** Budgets of one parse (see `mountLimits()` for the provider's). */
export interface YamlLimits {
  /** Scalars, sequences and mappings, each alias counting the nodes it expands to. */
  nodes: Limit;
  /** Nesting of sequences and mappings (a top-level list is depth 1). */
  depth: Limit;
  /** Alias nodes (`*name`) in the text. */
  aliases: Limit;
}

/** A scalar node. */
export const SCALAR_NODE = 1;
/** A sequence node; its children follow it. */
export const SEQUENCE_NODE = 2;
/** A mapping node; its keys and values follow it, alternating. */
export const MAPPING_NODE = 3;
/** An alias node. */
export const ALIAS_NODE = 4;

/** The nodes of a document in document order. */
export class YamlTape {
  /** Number of nodes. */
  size = 0;
  /** Node kinds. */
  kinds = new Uint8Array(256);
  /** Collections: the index after their last descendant. Aliases: the anchored node. */
  links = new Int32Array(256);
  /** libyaml's `plain_implicit` of scalars (1 or 0). */
  implicit = new Uint8Array(256);
  /** Scalar text, or alias name ("" for collections). */
  readonly texts: string[] = [];
  /** Tags of the scalars that have one. */
  readonly tags = new Map<number, string>();

  /** Appends a scalar with the tag and plainness of `properties` (the parser's event); returns its index. */
  addScalar(text: string, properties: Pick<YamlParser, "tag" | "implicit">): number {
    const index = this.#add(SCALAR_NODE, 0, text);
    this.implicit[index] = properties.implicit ? 1 : 0;
    if (properties.tag !== "") this.tags.set(index, properties.tag);
    return index;
  }

  /** Appends a sequence or mapping (its link is set when it ends); returns its index. */
  addCollection(kind: number): number {
    return this.#add(kind, 0, "");
  }

  /** Appends an alias named `name` to the node at `target`. */
  addAlias(name: string, target: number): void {
    this.#add(ALIAS_NODE, target, name);
  }

  #add(kind: number, link: number, text: string): number {
    const index = this.size++;
    if (index === this.kinds.length) this.#grow();
    this.kinds[index] = kind;
    this.links[index] = link;
    this.implicit[index] = 0;
    this.texts.push(text);
    return index;
  }

  /** The tag of node `index`, "" for none. */
  tag(index: number): string {
    return this.tags.get(index) ?? "";
  }

  #grow(): void {
    const length = this.kinds.length * 2;
    const kinds = new Uint8Array(length);
    const links = new Int32Array(length);
    const implicit = new Uint8Array(length);
    kinds.set(this.kinds);
    links.set(this.links);
    implicit.set(this.implicit);
    [this.kinds, this.links, this.implicit] = [kinds, links, implicit];
  }
}

/** Messages of the budgets, in the words of the `objects` parameter. */
export const LIMIT_MESSAGES = {
  nodes: "the objects YAML has more nodes than allowed",
  depth: "the objects YAML is nested deeper than allowed",
  aliases: "the objects YAML has more aliases than allowed",
} as const;

/** Events composed between two points where the work may pause. */
const EVENTS_PER_STEP = 256;

/**
 * Parses the first document of `source` into a tape (empty for a text with
 * no document).
 *
 * @throws {YamlSyntaxError} with go-yaml's message.
 * @throws {LimitError} when the document goes over a budget.
 */
export function composeYaml(source: string, limits: YamlLimits): YamlTape {
  return runSteps(composeYamlSteps(source, limits));
}

/**
 * {@linkcode composeYaml} as steps: it yields every few thousand events, so a
 * caller can give the event loop a turn in the middle of a large document.
 */
export function* composeYamlSteps(source: string, limits: YamlLimits): Steps<YamlTape> {
  const parser = new YamlParser(source);
  const tape = new YamlTape();
  parser.next(); // STREAM-START
  if (parser.next() === STREAM_END_EVENT) return tape;
  const anchors = new Map<string, number>();
  const open: number[] = [];
  let nodes = 0;
  let aliases = 0;
  let events = 0;
  do {
    if (++events % EVENTS_PER_STEP === 0) yield;
    const event = parser.next();
    if (event === ALIAS_EVENT) {
      if (++aliases > limits.aliases.max) {
        throw new LimitError(limits.aliases, LIMIT_MESSAGES.aliases);
      }
      const target = anchors.get(parser.anchor);
      if (target === undefined) {
        throw new YamlSyntaxError(`yaml: unknown anchor '${parser.anchor}' referenced`);
      }
      tape.addAlias(parser.anchor, target);
    } else if (event === SCALAR_EVENT) {
      if (++nodes > limits.nodes.max) throw new LimitError(limits.nodes, LIMIT_MESSAGES.nodes);
      const index = tape.addScalar(parser.value, parser);
      if (parser.anchor !== "") anchors.set(parser.anchor, index);
    } else if (event === SEQUENCE_START_EVENT || event === MAPPING_START_EVENT) {
      if (++nodes > limits.nodes.max) throw new LimitError(limits.nodes, LIMIT_MESSAGES.nodes);
      if (open.length + 1 > limits.depth.max) {
        throw new LimitError(limits.depth, LIMIT_MESSAGES.depth);
      }
      const kind = event === SEQUENCE_START_EVENT ? SEQUENCE_NODE : MAPPING_NODE;
      const index = tape.addCollection(kind);
      if (parser.anchor !== "") anchors.set(parser.anchor, index);
      open.push(index);
    } else {
      // SEQUENCE-END or MAPPING-END
      tape.links[open.pop()!] = tape.size;
    }
  } while (open.length > 0);
  parser.next(); // DOCUMENT-END: libyaml scans the token after the document first.
  return tape;
}
