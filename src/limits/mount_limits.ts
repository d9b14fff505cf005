/**
 * Every budget a mount is held to, with its default and the flag that
 * changes it. One table: the command line, the README's limits table and the
 * checks all come from here.
 *
 * @module
 */

import type { Limit } from "./limit.ts";

/** The limits of one mount. */
export interface MountLimits {
  /** Size of the request's `attributes` JSON, and of its `secrets` JSON. */
  readonly attributesBytes: Limit;
  /** Size of the `objects` parameter. */
  readonly objectsBytes: Limit;
  /** YAML nodes of the `objects` parameter, aliases expanded. */
  readonly objectsNodes: Limit;
  /** Nesting depth of the `objects` YAML. */
  readonly objectsDepth: Limit;
  /** Alias nodes (`*name`) in the `objects` YAML. */
  readonly objectsAliases: Limit;
  /** Objects in one mount. */
  readonly objects: Limit;
  /** Length of one `jmesPath` expression. */
  readonly jmesPathLength: Limit;
  /** Evaluation work of one `jmesPath` expression. */
  readonly jmesPathWork: Limit;
  /** Evaluation work of all `jmesPath` expressions of one mount (per region), secrets' decoding included. */
  readonly mountJmesPathWork: Limit;
  /** One value: fetched, or extracted by `jmesPath` (and every string made on the way). */
  readonly valueBytes: Limit;
  /** All files of one mount together. */
  readonly mountBytes: Limit;
  /** Selectors (`path`, `namePrefix`, `tags`) in one mount. */
  readonly selectors: Limit;
  /** Objects one selector matches in one region. */
  readonly selectorMatches: Limit;
  /** Pages (GetParametersByPath, BatchGetSecretValue calls) one selector reads in one region. */
  readonly selectorPages: Limit;
}

/** One row of the limits table. */
export interface MountLimitDefinition {
  /** Field of {@linkcode MountLimits}. */
  key: keyof MountLimits;
  /** Flag name without dashes. */
  flag: string;
  /** Unit, plural. */
  unit: string;
  /** Default maximum. */
  defaultMax: number;
  /** One-line usage text. */
  usage: string;
}

/** The limits, their flags and defaults. */
export const MOUNT_LIMIT_DEFINITIONS: readonly MountLimitDefinition[] = [
  {
    key: "attributesBytes",
    flag: "max-attributes-bytes",
    unit: "bytes",
    defaultMax: 512 * 1024,
    usage: "Largest attributes (and secrets) JSON of a mount request",
  },
  {
    key: "objectsBytes",
    flag: "max-objects-bytes",
    unit: "bytes",
    defaultMax: 256 * 1024,
    usage: "Largest objects parameter of a SecretProviderClass",
  },
  {
    key: "objectsNodes",
    flag: "max-objects-nodes",
    unit: "nodes",
    defaultMax: 50_000,
    usage: "Most YAML nodes in the objects parameter (aliases expanded)",
  },
  {
    key: "objectsDepth",
    flag: "max-objects-depth",
    unit: "levels",
    defaultMax: 32,
    usage: "Deepest nesting of the objects YAML",
  },
  {
    key: "objectsAliases",
    flag: "max-objects-aliases",
    unit: "aliases",
    defaultMax: 1_000,
    usage: "Most YAML aliases in the objects parameter",
  },
  {
    key: "objects",
    flag: "max-objects",
    unit: "objects",
    defaultMax: 1_000,
    usage: "Most objects in one mount",
  },
  {
    key: "jmesPathLength",
    flag: "max-jmes-path-length",
    unit: "characters",
    defaultMax: 1_024,
    usage: "Longest jmesPath expression",
  },
  {
    key: "jmesPathWork",
    flag: "max-jmes-path-work",
    unit: "steps",
    defaultMax: 100_000,
    usage: "Most evaluation steps of one jmesPath expression",
  },
  {
    key: "mountJmesPathWork",
    flag: "max-mount-jmes-path-work",
    unit: "steps",
    defaultMax: 1_000_000,
    usage: "Most evaluation steps of all jmesPath expressions of one mount",
  },
  {
    key: "valueBytes",
    flag: "max-value-bytes",
    unit: "bytes",
    defaultMax: 1024 * 1024,
    usage: "Largest value: fetched, or extracted with jmesPath",
  },
  {
    key: "mountBytes",
    flag: "max-mount-bytes",
    unit: "bytes",
    defaultMax: 8 * 1024 * 1024,
    usage: "Largest total of all files of one mount",
  },
  {
    key: "selectors",
    flag: "max-selectors",
    unit: "selectors",
    defaultMax: 10,
    usage: "Most selectors (path, namePrefix, tags) in one mount",
  },
  {
    key: "selectorMatches",
    flag: "max-selector-matches",
    unit: "objects",
    defaultMax: 500,
    usage: "Most objects one selector may match",
  },
  {
    key: "selectorPages",
    flag: "max-selector-pages",
    unit: "pages",
    defaultMax: 100,
    usage: "Most pages of results one selector may read in one region",
  },
];

/**
 * The limits with `overrides` (by key) in place of the defaults.
 *
 * @example
 * ```ts
 * mountLimits({ objectsBytes: 1024 }).objectsBytes.max; // 1024
 * ```
 */
export function mountLimits(
  overrides: Partial<Record<keyof MountLimits, number>> = {},
): MountLimits {
  const limits: Partial<Record<keyof MountLimits, Limit>> = {};
  for (const definition of MOUNT_LIMIT_DEFINITIONS) {
    limits[definition.key] = {
      max: overrides[definition.key] ?? definition.defaultMax,
      unit: definition.unit,
      flag: definition.flag,
    };
  }
  return limits as MountLimits;
}
