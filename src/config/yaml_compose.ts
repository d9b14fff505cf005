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

import { type Limit, LimitError } from "../limits/mod.ts";
import {
  ALIAS_EVENT,
  MAPPING_START_EVENT,
  SCALAR_EVENT,
  SEQUENCE_START_EVENT,
  STREAM_END_EVENT,
  YamlParser,
} from "./yaml_parser.ts";
import { YamlSyntaxError } from "./yaml_value.ts";

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

/** The nodes of a document in document order, one slot of each array per node. */
export class YamlTape {
  /** Node kinds. */
  readonly kinds: number[] = [];
  /** Collections: the index after their last descendant. Aliases: the anchored node. */
  readonly links: number[] = [];
  /** Scalar text, or alias name. */
  readonly texts: string[] = [];
  /** Scalar tag ("" for none). */
  readonly tags: string[] = [];
  /** libyaml's `plain_implicit` of scalars. */
  readonly implicit: boolean[] = [];

  /** Appends a node and returns its index. */
  add(kind: number, link: number, text: string, tag: string, implicit: boolean): number {
    this.kinds.push(kind);
    this.links.push(link);
    this.texts.push(text);
    this.tags.push(tag);
    this.implicit.push(implicit);
    return this.kinds.length - 1;
  }
}

/** Messages of the budgets, in the words of the `objects` parameter. */
export const LIMIT_MESSAGES = {
  nodes: "the objects YAML has more nodes than allowed",
  depth: "the objects YAML is nested deeper than allowed",
  aliases: "the objects YAML has more aliases than allowed",
} as const;

/**
 * Parses the first document of `source` into a tape (empty for a text with
 * no document).
 *
 * @throws {YamlSyntaxError} with go-yaml's message.
 * @throws {LimitError} when the document goes over a budget.
 */
export function composeYaml(source: string, limits: YamlLimits): YamlTape {
  const parser = new YamlParser(source);
  const tape = new YamlTape();
  parser.next(); // STREAM-START
  if (parser.next() === STREAM_END_EVENT) return tape;
  const anchors = new Map<string, number>();
  const open: number[] = [];
  let nodes = 0;
  let aliases = 0;
  do {
    const event = parser.next();
    if (event === ALIAS_EVENT) {
      if (++aliases > limits.aliases.max) {
        throw new LimitError(limits.aliases, LIMIT_MESSAGES.aliases);
      }
      const target = anchors.get(parser.anchor);
      if (target === undefined) {
        throw new YamlSyntaxError(`yaml: unknown anchor '${parser.anchor}' referenced`);
      }
      tape.add(ALIAS_NODE, target, parser.anchor, "", false);
    } else if (event === SCALAR_EVENT) {
      if (++nodes > limits.nodes.max) throw new LimitError(limits.nodes, LIMIT_MESSAGES.nodes);
      const index = tape.add(SCALAR_NODE, 0, parser.value, parser.tag, parser.implicit);
      if (parser.anchor !== "") anchors.set(parser.anchor, index);
    } else if (event === SEQUENCE_START_EVENT || event === MAPPING_START_EVENT) {
      if (++nodes > limits.nodes.max) throw new LimitError(limits.nodes, LIMIT_MESSAGES.nodes);
      if (open.length + 1 > limits.depth.max) {
        throw new LimitError(limits.depth, LIMIT_MESSAGES.depth);
      }
      const kind = event === SEQUENCE_START_EVENT ? SEQUENCE_NODE : MAPPING_NODE;
      const index = tape.add(kind, 0, "", "", false);
      if (parser.anchor !== "") anchors.set(parser.anchor, index);
      open.push(index);
    } else {
      // SEQUENCE-END or MAPPING-END
      tape.links[open.pop()!] = tape.kinds.length;
    }
  } while (open.length > 0);
  parser.next(); // DOCUMENT-END: libyaml scans the token after the document first.
  return tape;
}
