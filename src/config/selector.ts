/**
 * Selectors: an entry of `objects` without `objectName` that mounts many
 * objects at once. `path` (with optional `recursive`) selects every SSM
 * parameter under an SSM path; `namePrefix` and/or `tags` select every
 * Secrets Manager secret that Secrets Manager's filters match. Each match is
 * mounted as if it had been listed by name without an alias.
 *
 * The checks here follow the AWS APIs' own input rules, so that a class
 * fails before any call with our words instead of a validation error from
 * AWS: GetParametersByPath paths (a leading `/`, at most 2,048 characters
 * and 15 levels) and Secrets Manager filter values (at most 512 characters
 * of a small alphabet; a leading `!` would turn a filter into its negation,
 * so it is refused).
 *
 * @module
 */

import { parseGoBool } from "../gocompat/mod.ts";
import type { ObjectSpec, SelectorSpec } from "./objects_decode.ts";
import { type PathTranslation, translateFileName } from "./path_translation.ts";

/** What a selector picks, with the path translation its matches are named by. */
export type Selector =
  | {
    /** SSM Parameter Store: every parameter under `path`. */
    store: "ssmparameter";
    /** The SSM path (starts with `/`). */
    path: string;
    /** Whether parameters below the path's children are included too. */
    recursive: boolean;
    /** How `/` in the matches' names becomes file names. */
    translation: PathTranslation;
  }
  | {
    /** Secrets Manager: every secret Secrets Manager's filters match. */
    store: "secretsmanager";
    /** Name prefix (`""` for none). */
    namePrefix: string;
    /** Tag keys and values, sorted by key; an empty value matches any value. */
    tags: [string, string][];
    /** How `/` in the matches' names becomes file names. */
    translation: PathTranslation;
  };

/** Most tags of one selector: Secrets Manager takes at most 10 filters per call. */
export const MAX_SELECTOR_TAGS = 4;

const SSM_PATH = /^\/[a-zA-Z0-9_.\-\/]*$/;
const MAX_SSM_PATH_LENGTH = 2048;
const MAX_SSM_PATH_LEVELS = 15;
/** A Secrets Manager filter value we send: the API's alphabet, never a leading `!`. */
const FILTER_VALUE = /^[a-zA-Z0-9 :_@\/+=.\-][a-zA-Z0-9 :_@\/+=.\-!]*$/;
const MAX_FILTER_VALUE_LENGTH = 512;

/** Fields a selector refuses: each match is one object, named after itself, in its current version. */
const REFUSED_FIELDS: [keyof ObjectSpec, string][] = [
  ["objectAlias", "each match is named after itself"],
  ["objectVersion", "matches are mounted in their current version"],
  ["objectVersionLabel", "matches are mounted in their current version"],
  ["jmesPath", "jmesPath applies to one named object"],
  ["failoverObject", "the failover region is searched with the same selector"],
];

/** Whether an entry is a selector (no `objectName`, but `path`, `namePrefix` or `tags`). */
export function isSelectorSpec(spec: ObjectSpec): boolean {
  const selector = spec.selector;
  return spec.objectName === "" && selector !== undefined &&
    (selector.path !== undefined || selector.namePrefix !== undefined ||
      selector.tags !== undefined || selector.recursive !== undefined ||
      selector.problem !== undefined);
}

/**
 * How a selector is named in errors and logs: `path /app/ (recursive)`,
 * `namePrefix prod/`, `tags team=payments`, `namePrefix prod/ and tags …`.
 */
export function selectorLabel(selector: Selector): string {
  return selector.store === "ssmparameter"
    ? describeSelection({ path: selector.path, recursive: selector.recursive })
    : describeSelection({
      namePrefix: selector.namePrefix || undefined,
      tags: selector.tags.length > 0 ? selector.tags : undefined,
    });
}

/** The label of selector fields as written (before they were checked). */
function specLabel(fields: SelectorSpec): string {
  return describeSelection({
    path: fields.path,
    recursive: parseGoBool(fields.recursive ?? "") === true,
    namePrefix: fields.namePrefix,
    tags: fields.tags,
  });
}

function describeSelection(
  parts: { path?: string; recursive?: boolean; namePrefix?: string; tags?: [string, string][] },
): string {
  const words = [];
  if (parts.path !== undefined) {
    words.push(`path ${shorten(parts.path)}${parts.recursive ? " (recursive)" : ""}`);
  }
  if (parts.namePrefix !== undefined) words.push(`namePrefix ${shorten(parts.namePrefix)}`);
  if (parts.tags !== undefined) {
    words.push(
      `tags ${parts.tags.map(([key, value]) => `${shorten(key)}=${shorten(value)}`).join(",")}`,
    );
  }
  return words.join(" and ") || "a selector";
}

function shorten(text: string): string {
  return text.length > 64 ? `${text.slice(0, 64)}…` : text;
}

/**
 * Checks a selector entry (`isSelectorSpec`) and returns its selector, or
 * the text of its first problem.
 */
export function parseSelector(
  spec: ObjectSpec,
  translation: PathTranslation,
): { selector: Selector } | { problem: string } {
  const fields = spec.selector ?? {};
  const label = specLabel(fields);
  if (fields.problem !== undefined) return { problem: `${fields.problem} (${label})` };
  const ssm = fields.path !== undefined;
  if (ssm && (fields.namePrefix !== undefined || fields.tags !== undefined)) {
    return {
      problem:
        `path (SSM Parameter Store) cannot be combined with namePrefix or tags (Secrets Manager): ${label}`,
    };
  }
  if (!ssm && fields.recursive !== undefined) {
    return { problem: `recursive is allowed only with path: ${label}` };
  }
  const store = ssm ? "ssmparameter" : "secretsmanager";
  if (spec.objectType !== "" && spec.objectType !== store) {
    return {
      problem: `objectType ${
        shorten(spec.objectType)
      } does not match the selector, which selects ${store} objects: ${label}`,
    };
  }
  for (const [field, why] of REFUSED_FIELDS) {
    if (isSet(spec[field])) {
      return { problem: `${field} is not allowed on a selector (${why}): ${label}` };
    }
  }
  if (ssm) {
    const problem = ssmPathProblem(fields.path!);
    if (problem !== undefined) return { problem: `invalid path: ${problem}: ${label}` };
    const recursive = fields.recursive === undefined ? false : parseGoBool(fields.recursive);
    if (recursive === undefined) {
      return {
        problem: `recursive must be true or false, not ${
          JSON.stringify(shorten(fields.recursive!))
        }: ${label}`,
      };
    }
    return { selector: { store: "ssmparameter", path: fields.path!, recursive, translation } };
  }
  const namePrefix = fields.namePrefix ?? "";
  if (fields.namePrefix !== undefined) {
    const problem = filterValueProblem(namePrefix, { empty: false });
    if (problem !== undefined) return { problem: `invalid namePrefix: ${problem}: ${label}` };
  }
  const tags = fields.tags ?? [];
  if (fields.tags !== undefined && tags.length === 0) {
    return { problem: `tags must name at least one tag: ${label}` };
  }
  if (tags.length > MAX_SELECTOR_TAGS) {
    return {
      problem:
        `a selector takes at most ${MAX_SELECTOR_TAGS} tags (Secrets Manager takes 10 filters a call), not ${tags.length}: ${label}`,
    };
  }
  for (const [key, value] of tags) {
    const problem = filterValueProblem(key, { empty: false }) ??
      filterValueProblem(value, { empty: true });
    if (problem !== undefined) return { problem: `invalid tag: ${problem}: ${label}` };
  }
  return { selector: { store: "secretsmanager", namePrefix, tags, translation } };
}

function isSet(value: unknown): boolean {
  if (typeof value === "string") return value !== "";
  if (Array.isArray(value)) return value.length > 0;
  if (value !== null && typeof value === "object") {
    return Object.values(value).some((field) => field !== "");
  }
  return false;
}

/** Why `path` is not a path GetParametersByPath accepts, or `undefined`. */
export function ssmPathProblem(path: string): string | undefined {
  if (path.length > MAX_SSM_PATH_LENGTH) {
    return `longer than ${MAX_SSM_PATH_LENGTH} characters`;
  }
  if (!SSM_PATH.test(path)) {
    return "an SSM path starts with / and holds only letters, digits and _.-/";
  }
  if (path.split("/").filter((level) => level !== "").length > MAX_SSM_PATH_LEVELS) {
    return `more than ${MAX_SSM_PATH_LEVELS} levels`;
  }
  return undefined;
}

/** Why `value` cannot be sent as a Secrets Manager filter value, or `undefined`. */
function filterValueProblem(value: string, options: { empty: boolean }): string | undefined {
  if (value === "") return options.empty ? undefined : "it is empty";
  if (value.length > MAX_FILTER_VALUE_LENGTH) {
    return `longer than ${MAX_FILTER_VALUE_LENGTH} characters`;
  }
  if (!FILTER_VALUE.test(value)) {
    return "only letters, digits, spaces and :_@/+=.- are allowed (and ! after the first character)";
  }
  return undefined;
}

/** The file name a match gets: its name, translated as the selector's class says. */
export function matchFileName(selector: Selector, name: string): string {
  return translateFileName(name, selector.translation);
}
