/**
 * fast-check arbitraries for hostile mount input: names and aliases that try
 * to leave the mount, file modes, `pathTranslation` values, request
 * permissions, JMESPath expressions, tokens and secret contents carrying
 * distinctive markers (so a leak into an error can be recognised).
 *
 * @module
 */

import * as fc from "fast-check";

/** `arbitrary` in `percent` % of the cases, else `undefined`. */
export function sometimes<T>(
  arbitrary: fc.Arbitrary<T>,
  percent: number,
): fc.Arbitrary<T | undefined> {
  return fc.oneof(
    { weight: percent, arbitrary },
    { weight: 100 - percent, arbitrary: fc.constant(undefined) },
  );
}

/** Pieces that break file names, YAML, JSON and path handling. */
export const HOSTILE_PIECES: readonly string[] = [
  "",
  ".",
  "..",
  "...",
  "/",
  "//",
  "../",
  "/..",
  "./a",
  "a/",
  "a/../b",
  "../../../../../../../../etc/passwd",
  "/etc/passwd",
  "..data",
  "..2024_01_02_03_04_05.123",
  "\0",
  "a\0b",
  "~",
  "-",
  "- a",
  "*a",
  "&a",
  "!!binary",
  "%YAML",
  "@",
  "`",
  "#",
  ": ",
  "? ",
  "|",
  ">",
  "{",
  "}",
  "[",
  "]",
  ",",
  "'",
  '"',
  "\\",
  "\n",
  "\r\n",
  "\t",
  " ",
  "\u00a0",
  "\u202e",
  "\ufeff",
  "\u2028",
  "é",
  "e\u0301",
  "ﬀ",
  "İ",
  "\ud800",
  "\udfff",
  "🙂",
  "null",
  "true",
  "yes",
  "off",
  "0600",
  "0o600",
  "0x1F",
  "1e3",
  ".inf",
  ".nan",
  "2024-01-02",
  "2001-12-14t21:59:43.10-05:00",
  "<<",
  "__proto__",
  "constructor",
  "toString",
  "arn:aws:secretsmanager:us-east-1:123456789012:secret:x",
  "arn:aws:ssm:us-west-2:123456789012:parameter/x",
  "arn:aws:s3:::bucket",
  "arn:",
  "arn:aws:secretsmanager:::",
];

/** A string from {@linkcode HOSTILE_PIECES}, random text, or a mix of both. */
export function hostileText(): fc.Arbitrary<string> {
  const piece = fc.constantFrom(...HOSTILE_PIECES);
  return fc.oneof(
    { weight: 3, arbitrary: piece },
    { weight: 2, arbitrary: fc.string({ maxLength: 12 }) },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 8 }) },
    { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 6 }) },
    {
      weight: 2,
      arbitrary: fc.array(piece, { minLength: 2, maxLength: 4 }).map((p) => p.join("")),
    },
  );
}

/** Paths of up to eight elements, many of them `..`, `.`, empty or over 255 bytes. */
export function pathLike(): fc.Arbitrary<string> {
  const element = fc.oneof(
    fc.constantFrom(
      "..",
      ".",
      "",
      "a",
      "b",
      "é",
      "..data",
      "a\0b",
      "x".repeat(256),
      "ü".repeat(130),
    ),
    fc.string({ maxLength: 4 }),
  );
  return fc.tuple(fc.boolean(), fc.array(element, { minLength: 1, maxLength: 8 })).map((
    [absolute, parts],
  ) => (absolute ? "/" : "") + parts.join("/"));
}

/** Long text: up to 70 KB of one character, or a path over 4096 bytes. */
export function hugeText(): fc.Arbitrary<string> {
  return fc.oneof(
    fc.tuple(fc.constantFrom("a", "é", "/", ".", "a/", "🙂"), fc.integer({ min: 200, max: 70_000 }))
      .map(([unit, count]) => unit.repeat(count)),
    fc.integer({ min: 17, max: 40 }).map((count) => Array(count).fill("d".repeat(250)).join("/")),
  );
}

/** An object name or alias: one of `pool` (names that exist), or hostile. */
export function fuzzName(pool: readonly string[]): fc.Arbitrary<string> {
  const known = pool.length > 0 ? [{ weight: 6, arbitrary: fc.constantFrom(...pool) }] : [];
  return fc.oneof(
    ...known,
    { weight: 2, arbitrary: hostileText() },
    { weight: 2, arbitrary: pathLike() },
    { weight: 1, arbitrary: hugeText() },
  );
}

/** `filePermission` values: valid 4-digit octal, near misses, numbers, hostile text. */
export function filePermission(): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom("0600", "0644", "0400", "0777", "7777", "4755", "0000"),
    fc.constantFrom("600", "0800", "00600", "0x1a4", "-600", "0o600", "rw-r--r--", " 0600"),
    fc.integer({ min: 0, max: 0o7777 }).map((mode) => mode.toString(8).padStart(4, "0")),
    hostileText(),
  );
}

/** The request's `permission` (a JSON number in Go): valid, out of range and malformed. */
export function requestPermission(): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom("420", "384", "0", "511", "4095", "493") },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        "4294967295",
        "4294967296",
        "-1",
        "1e3",
        "420.0",
        "0x1a4",
        "0420",
        '"420"',
        "null",
        "",
        " 420 ",
        "[420]",
        "{}",
        "true",
        "99999999999999999999999999",
        "-0",
      ),
    },
    { weight: 1, arbitrary: fc.integer({ min: -1, max: 2 ** 33 }).map(String) },
    { weight: 1, arbitrary: hostileText() },
  );
}

/** `pathTranslation` values: the default, one byte, `False` in any case, and hostile ones. */
export function pathTranslation(): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom("", "_", "-", ".", "/", "\0", "\\", " ", "False", "false", "FALSE", "fAlSe"),
    fc.constantFrom("é", "..", "__", "🙂", "true", "no", "0"),
    fc.string({ maxLength: 3 }),
  );
}

/** A 24-hex-digit marker that cannot come out of any other arbitrary by chance. */
export function marker(prefix: string): fc.Arbitrary<string> {
  return fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: 24, maxLength: 24 })
    .map((hex) => `${prefix}${hex}`);
}

/** Keys the JSON secrets use, and that JMESPath expressions refer to. */
export const JSON_KEYS: readonly string[] = [
  "user",
  "password",
  "nested",
  "list",
  "port",
  "a.b",
  "é",
];

/** A secret's content and the markers it holds (none of which may ever reach an error). */
export interface SecretContent {
  /** SecretString (text) or SecretBinary (bytes). */
  value: string | Uint8Array;
  /** This many `x` follow the value (kept apart so that a counterexample prints short). */
  padding?: number;
  /** Distinctive parts of the value. */
  markers: string[];
}

/**
 * Secret contents. JSON ones (`json`): documents whose string leaves are
 * markers (plus numbers, booleans, nulls and odd keys), or deep nesting.
 * Others: text around a marker, binary bytes, or (rarely) a value over the
 * 1 MiB limit.
 */
export function secretContent(json: boolean): fc.Arbitrary<SecretContent> {
  const mark = marker("SV");
  if (json) {
    const document = fc.tuple(mark, mark, mark, mark, fc.integer(), fc.boolean()).map((
      [user, password, inner, item, port, flag],
    ) => ({
      value: JSON.stringify({
        user,
        password,
        nested: { key: inner, flag, nothing: null },
        list: [item, port],
        port,
        "a.b": user,
        "é": password,
      }),
      markers: [user, password, inner, item],
    }));
    const deep = fc.tuple(fc.integer({ min: 100, max: 20_000 }), mark).map(([depth, core]) => ({
      value: `${'{"user":'.repeat(depth)}"${core}"${"}".repeat(depth)}`,
      markers: [core],
    }));
    return fc.oneof({ weight: 12, arbitrary: document }, { weight: 1, arbitrary: deep });
  }
  const plain = fc.tuple(hostileText(), mark, hostileText()).map(([before, core, after]) => ({
    value: `${before}${core}${after}`,
    markers: [core],
  }));
  const binary = fc.tuple(fc.uint8Array({ maxLength: 64 }), mark).map(([bytes, core]) => ({
    value: new Uint8Array([...bytes, ...new TextEncoder().encode(core), 0xff, 0x00]),
    markers: [core],
  }));
  const huge = fc.tuple(mark, fc.integer({ min: 1024 * 1024 - 40, max: 1024 * 1024 })).map((
    [core, padding],
  ) => ({ value: core, padding, markers: [core] }));
  return fc.oneof(
    { weight: 8, arbitrary: plain },
    { weight: 4, arbitrary: binary },
    { weight: 1, arbitrary: huge },
  );
}

/** JMESPath expressions that give a string for the JSON secrets of {@linkcode secretContent}. */
export const STRING_JMES: readonly string[] = [
  "user",
  "password",
  "nested.key",
  "list[0]",
  '"a.b"',
  '"é"',
  "user || password",
  "join(',', [user, password])",
  "to_string(port)",
  '`"literal"`',
  "'raw'",
];

const JMES_ATOMS = [
  "user",
  "password",
  "nested.key",
  "nested.flag",
  "nested.nothing",
  "list[0]",
  "list[-1]",
  "list[1]",
  "port",
  '"a.b"',
  '"é"',
  "missing",
  "@",
  "*",
  "[*]",
  "nested.*",
  "keys(@)",
  "values(nested)",
  "to_string(port)",
  "user || password",
  "join(',', [user, password])",
  "length(user)",
  '`"literal"`',
  "'raw'",
  "list[?@ == user]",
  "[user, password]",
  "{a: user}",
  "reverse(user)",
  "sort_by(@, &port)",
  "[[[",
  "]",
  "",
  ".",
  "user.",
  "&user",
  "list[",
  "abs(user)",
  "not_a_function(user)",
];

/** JMESPath expressions: valid and invalid atoms, combinations, deep nesting, hostile text. */
export function jmesExpression(): fc.Arbitrary<string> {
  const atom = fc.constantFrom(...JMES_ATOMS);
  const combined = fc.tuple(atom, fc.constantFrom(".", " | ", " || ", " && ", "[0]."), atom)
    .map(([left, operator, right]) => `${left}${operator}${right}`);
  const deep = fc.tuple(
    fc.constantFrom("(", "[", "!", "nested."),
    fc.integer({ min: 50, max: 3000 }),
  )
    .map(([opener, depth]) => {
      const closer = opener === "(" ? ")" : opener === "[" ? "]" : "";
      return `${opener.repeat(depth)}user${closer.repeat(depth)}`;
    });
  return fc.oneof(
    { weight: 6, arbitrary: atom },
    { weight: 3, arbitrary: combined },
    { weight: 1, arbitrary: deep },
    { weight: 2, arbitrary: hostileText() },
  );
}

/** A service account token value (distinctive, JWT-shaped). */
export function tokenValue(): fc.Arbitrary<string> {
  return marker("eyJhbGciOiJSUzI1NiJ9.tok").map((core) => `${core}.c2lnbmF0dXJl`);
}
