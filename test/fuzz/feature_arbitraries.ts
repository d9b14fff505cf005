/**
 * fast-check arbitraries for the fields that are ours (issue 12): selector
 * entries (`path`, `recursive`, `namePrefix`, `tags`, mixed with the fields a
 * selector refuses), `objectEncoding` values, the `assumeRole…` parameters,
 * and stored values in an encoding (or broken on purpose). Values carry
 * markers, so that a leak into an error or a log line is recognised.
 *
 * @module
 */

import * as fc from "fast-check";
import { hostileText, marker, sometimes } from "./arbitraries.ts";

/** `objectEncoding` values: the three, their other spellings, near misses and hostile text. */
export function objectEncoding(): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 10, arbitrary: fc.constantFrom("utf-8", "base64", "hex") },
    { weight: 2, arbitrary: fc.constantFrom("UTF-8", "Base64", "HEX", "") },
    {
      weight: 1,
      arbitrary: fc.constantFrom("utf8", "base-64", "base64url", "b64", " hex", "binary", "16"),
    },
    { weight: 1, arbitrary: hostileText() },
  );
}

/** SSM paths: valid ones under the pool's prefixes, and ones AWS would refuse. */
export function ssmPath(): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 12, arbitrary: fc.constantFrom("/app", "/app/", "/", "/app/db", "/none") },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        "app",
        "/app/*",
        "/a b",
        "/" + "a".repeat(2100),
        "/a".repeat(16),
        "",
        "/ü",
      ),
    },
    { weight: 1, arbitrary: hostileText() },
  );
}

/** Name prefixes and tag keys and values: valid filter values, negations and hostile text. */
export function filterValue(): fc.Arbitrary<string> {
  return fc.oneof(
    {
      weight: 12,
      arbitrary: fc.constantFrom("app/", "app/db", "team", "payments", "prod", "a"),
    },
    {
      weight: 2,
      arbitrary: fc.constantFrom("!app", "a*", "", "x".repeat(513), "é", "a\nb", "__proto__"),
    },
    { weight: 1, arbitrary: hostileText() },
  );
}

/** A YAML flow scalar for `text`: JSON-quoted, so any text is one string. */
function quoted(text: string): string {
  return JSON.stringify(text);
}

/**
 * One selector entry as YAML flow text: `path` (+ `recursive`), or
 * `namePrefix` and/or `tags`, sometimes with fields a selector refuses,
 * `filePermission`, `objectEncoding` or values of the wrong type.
 */
export function selectorEntry(
  encodings: fc.Arbitrary<string> = objectEncoding(),
): fc.Arbitrary<string> {
  const recursive = fc.constantFrom("true", "false", "yes", "maybe", "[1]");
  const tags = fc.array(fc.tuple(filterValue(), filterValue()), { maxLength: 5 }).map((pairs) =>
    `{${pairs.map(([key, value]) => `${quoted(key)}: ${quoted(value)}`).join(", ")}}`
  );
  const path = fc.tuple(ssmPath(), sometimes(recursive, 40)).map((
    [text, deep],
  ) => [`path: ${quoted(text)}`, ...(deep === undefined ? [] : [`recursive: ${deep}`])]);
  const secrets = fc.tuple(sometimes(filterValue(), 70), sometimes(tags, 60)).map((
    [prefix, tagMap],
  ) => [
    // Without either it would not be a selector at all.
    ...(prefix === undefined && tagMap === undefined ? ['namePrefix: "app/"'] : []),
    ...(prefix === undefined ? [] : [`namePrefix: ${quoted(prefix)}`]),
    ...(tagMap === undefined ? [] : [`tags: ${tagMap}`]),
  ]);
  const extra = fc.constantFrom(
    "objectAlias: x",
    "objectVersion: v-1",
    "objectVersionLabel: AWSCURRENT",
    "jmesPath: [{path: user, objectAlias: u}]",
    "failoverObject: {objectName: other}",
    "objectType: secretsmanager",
    "objectType: ssmparameter",
    "objectType: ssm",
    "tags: [a, b]",
    "path: {a: b}",
    "objectName: ''",
  );
  return fc.tuple(
    fc.oneof(
      { weight: 5, arbitrary: path },
      { weight: 5, arbitrary: secrets },
      { weight: 1, arbitrary: fc.tuple(path, secrets).map(([a, b]) => [...a, ...b]) },
    ),
    sometimes(fc.constantFrom("'0400'", "'0640'", "'0600'", "'600'", "0644"), 30),
    sometimes(encodings, 30),
    sometimes(extra, 15).map((one) => (one === undefined ? [] : [one])),
  ).map(([fields, mode, encoding, extras]) => {
    const all = [
      ...fields,
      ...(mode === undefined ? [] : [`filePermission: ${mode}`]),
      ...(encoding === undefined ? [] : [`objectEncoding: ${quoted(encoding)}`]),
      ...extras,
    ];
    return `- {${all.join(", ")}}`;
  });
}

/** A listed object (of the fuzz pool) with an `objectEncoding`, for its value or a jmesPath entry. */
export function encodedListedEntry(
  names: readonly string[],
  options: { encodings?: fc.Arbitrary<string>; typeOf?: (name: string) => string } = {},
): fc.Arbitrary<string> {
  const typed = options.typeOf;
  return fc.tuple(
    fc.constantFrom(...names),
    fc.constantFrom("secretsmanager", "ssmparameter"),
    options.encodings ?? objectEncoding(),
    fc.nat(4).map((n) => n === 0), // a jmesPath entry now and then (the values are rarely JSON)
    fc.nat(99),
  ).map(([name, anyType, encoding, jmes, n]) => {
    const type = typed?.(name) ?? anyType;
    return jmes
      ? `- {objectName: ${
        quoted(name)
      }, objectType: ${type}, objectAlias: listed-${n}, jmesPath: [{path: user, objectAlias: user-${n}, objectEncoding: ${
        quoted(encoding)
      }}]}`
      : `- {objectName: ${
        quoted(name)
      }, objectType: ${type}, objectAlias: listed-${n}, objectEncoding: ${quoted(encoding)}}`;
  });
}

/** The `assumeRole…` parameters: none, valid ones, and (each field now and then) values STS would refuse. */
export function assumeRoleParameters(): fc.Arbitrary<Record<string, string>> {
  const mostly = <T>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<T>) =>
    fc.oneof({ weight: 12, arbitrary: valid }, { weight: 1, arbitrary: invalid });
  const arn = mostly(
    fc.constant("arn:aws:iam::444455556666:role/shared"),
    fc.oneof(
      fc.constantFrom(
        "arn:aws:iam::1:role/x",
        "arn:aws:sts::444455556666:assumed-role/r/s",
        `arn:aws:iam::444455556666:role/${"r".repeat(2100)}`,
      ),
      hostileText(),
    ),
  );
  const duration = mostly(
    fc.constantFrom("", "900", "3600", "43200"),
    fc.oneof(
      fc.constantFrom("899", "43201", "1e3", "-900", " 900", "0x384", "99999999999"),
      fc.integer({ min: -1, max: 50_000 }).map(String),
    ),
  );
  const text = mostly(
    fc.constantFrom("", "ab", "tenant-42", "audit@shop"),
    fc.oneof(fc.constantFrom("a b", "x", "s".repeat(65)), hostileText()),
  );
  return sometimes(
    fc.record({
      assumeRoleArn: arn,
      assumeRoleDurationSeconds: duration,
      assumeRoleExternalId: text,
      assumeRoleSessionName: text,
    }),
    50,
  ).map((parameters) => parameters ?? {});
}

/** How a stored value is written for its `objectEncoding`. */
export type StoredForm = "base64" | "base64-wrapped" | "base64-unpadded" | "hex" | "broken" | "raw";

/** A secret's bytes (marked) and the form its stored text takes. */
export interface EncodedContent {
  /** The bytes the file must hold once decoded. */
  bytes: Uint8Array;
  /** How they are stored. */
  form: StoredForm;
  /** The stored text. */
  stored: string;
  /** Distinctive parts of the stored text and the bytes (none may reach an error). */
  markers: string[];
}

function base64Of(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** The stored forms that hold a value in `encoding` (`raw` for utf-8). */
export function formsOf(encoding: string): StoredForm[] {
  if (encoding === "base64") return ["base64", "base64-wrapped", "base64-unpadded"];
  if (encoding === "hex") return ["hex"];
  return ["raw"];
}

/**
 * Bytes with a marker inside, stored as base64 (padded, wrapped, unpadded),
 * hex, broken or raw; mostly in one of `preferred` forms when given.
 */
export function encodedContent(preferred: StoredForm[] = []): fc.Arbitrary<EncodedContent> {
  const any = fc.constantFrom<StoredForm>(
    "base64",
    "base64-wrapped",
    "base64-unpadded",
    "hex",
    "broken",
    "raw",
  );
  const form = preferred.length === 0 ? any : fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...preferred) },
    { weight: 1, arbitrary: any },
  );
  return fc.tuple(fc.uint8Array({ maxLength: 48 }), marker("EV"), form).map((
    [noise, core, form],
  ) => {
    const bytes = new Uint8Array([...noise, ...new TextEncoder().encode(core)]);
    const base64 = base64Of(bytes);
    const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join("");
    const stored = {
      base64,
      "base64-wrapped": base64.match(/.{1,16}/g)!.join("\r\n"),
      "base64-unpadded": base64.replace(/=+$/, ""),
      hex: hex.toUpperCase(),
      broken: `${base64.slice(0, 8)}*${core}*`,
      raw: core,
    }[form];
    return { bytes, form, stored, markers: [core, stored.slice(0, 24), hex.slice(0, 24)] };
  });
}
