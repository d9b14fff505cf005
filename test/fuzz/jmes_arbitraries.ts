/**
 * Generators for differential tests of the JMESPath evaluator against
 * go-jmespath: JSON secrets (mostly small documents over a few keys, plus
 * the byte-level oddities Go's decoder has rules for) and expressions (built
 * from the grammar, with every function and operator, and token soups that
 * probe the parser's corners). Sizes stay small so that no generated case
 * can make the Go side run away.
 *
 * @module
 */

import * as fc from "fast-check";
import { JMES_FUNCTION_NAMES } from "../../src/fetch/jmes/functions.ts";

/**
 * Every key a generated object can have, documents and `{…}` alike. Eight at
 * most, so that every object stays a small Go map, which Go iterates in its
 * insertion order rotated by a random offset: our insertion order is always
 * one of the orders the oracle sees.
 */
export const JMES_KEYS: readonly string[] = ["a", "b", "k", "list", "é", "a b", "<&>", ""];

const encoder = new TextEncoder();

const stringValue = fc.oneof(
  fc.constantFrom(
    "",
    "x",
    "admin",
    "1",
    "0x1p-2",
    "1_000",
    "-inf",
    "NaN",
    " 2",
    "3.5e2",
    "<a&b>",
    'q"uote',
    "back\\slash",
    "tab\tnew\nline",
    "\u0000\u001f\u007f",
    "é",
    "\ue000",
    "😀",
    "\u2028",
    "\ufeffbom",
  ),
  fc.string({ maxLength: 4 }),
);

const numberValue = fc.oneof(
  fc.constantFrom(0, -0, 1, -1, 2, 10, 0.5, 1e21, 1e-7, 1e-6, 123456789.125, 1.5e300, -2.5e-300),
  fc.integer({ min: -100, max: 100 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** A JSON value of the documents (as a JavaScript value, written with JSON.stringify). */
export function jsonValue(): fc.Arbitrary<unknown> {
  const { value } = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      stringValue,
      numberValue,
      fc.boolean(),
      fc.constant(null),
      fc.array(tie("value"), { maxLength: 4 }),
      fc.dictionary(fc.constantFrom(...JMES_KEYS), tie("value"), { maxKeys: 4 }),
    ),
  }));
  return value;
}

/** Secret bytes: mostly JSON documents, sometimes with the byte-level cases Go decides. */
export function jmesDocument(): fc.Arbitrary<Uint8Array> {
  const object = fc.dictionary(fc.constantFrom(...JMES_KEYS), jsonValue(), { maxKeys: 5 });
  const document = fc.oneof(
    { weight: 8, arbitrary: object.map((value) => JSON.stringify(value)) },
    { weight: 2, arbitrary: jsonValue().map((value) => JSON.stringify(value)) },
  ).map((text) => encoder.encode(text));
  const odd = fc.constantFrom(
    '{"a": "x", "a": "y"}',
    '{"a": "\\ud800", "b": "\\udc00\\ud800", "k": "\\ud83d\\ude00"}',
    '{"a": 1e400}',
    '{"a": -1e-400}',
    '{"a": 1.0, "b": 1E2, "k": -0.0}',
    ' \t\r\n{"a": "x"} \n',
    '\ufeff{"a": "x"}',
    '{"a": "x",}',
    '{"a": 01}',
    '{"a": .5}',
    "",
    "null",
    '"a"',
    '{"a": "\\u0041\\/\\b"}',
    '{"a": "\\x"}',
    "[" + "[".repeat(9_999) + "]".repeat(10_000),
    "[" + "[".repeat(10_000) + "]".repeat(10_001),
  ).map((text) => encoder.encode(text));
  const badUtf8 = fc.constantFrom(
    [0x22, 0xff, 0x22],
    [0x22, 0xe2, 0x82, 0x41, 0x22],
    [0x22, 0xed, 0xa0, 0x80, 0x22],
    [0x22, 0xc0, 0x80, 0x22],
    [0x22, 0xf4, 0x90, 0x80, 0x80, 0x22],
    [0x22, 0xf0, 0x9f, 0x98, 0x22],
  ).map((inner) => new Uint8Array([...encoder.encode('{"a": '), ...inner, 0x7d]));
  return fc.oneof(
    { weight: 20, arbitrary: document },
    { weight: 2, arbitrary: odd },
    { weight: 1, arbitrary: badUtf8 },
  );
}

/** Keys as an expression writes them (only keys of {@linkcode JMES_KEYS}). */
const key = fc.constantFrom("a", "b", "k", "list", '"é"', '"a b"', '"<&>"', '""', '"\\u0061"');

const identifier = fc.oneof({ weight: 5, arbitrary: key }, {
  weight: 1,
  arbitrary: fc.constantFrom("missing", "_x1", '"\\ud800"'),
});

const literal = fc.oneof(
  jsonValue().map((value) => `\`${JSON.stringify(value).replaceAll("`", "\\`")}\``),
  fc.constantFrom("`[]`", "`{}`", "`null`", "` 1 `", '`"a"`', "`[1,2,3]`", "`foo`", "``"),
  stringValue.map((text) => `'${text.replaceAll("\\", "").replaceAll("'", "\\'")}'`),
  fc.constantFrom("'a\\'b'", "'\\\\'", "''", "'x\\y'"),
);

const number = fc.oneof(
  fc.integer({ min: -4, max: 4 }).map(String),
  fc.constantFrom(
    "-",
    "-0",
    "007",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
  ),
);

const slice = fc.tuple(
  fc.option(number, { nil: "" }),
  fc.option(number, { nil: "" }),
  fc.option(fc.option(number, { nil: "" }), { nil: undefined }),
).map(([start, stop, step]) => `[${start}:${stop}${step === undefined ? "" : `:${step}`}]`);

const functionName = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom(...JMES_FUNCTION_NAMES) },
  { weight: 1, arbitrary: fc.constantFrom("unknown", "Length", "'length'", '`"abs"`') },
);

/** Functions without expression arguments, and how many arguments they take. */
const ARITY: Record<string, number> = {
  abs: 1,
  avg: 1,
  ceil: 1,
  contains: 2,
  ends_with: 2,
  floor: 1,
  join: 2,
  keys: 1,
  length: 1,
  max: 1,
  merge: 2,
  min: 1,
  not_null: 2,
  reverse: 1,
  sort: 1,
  starts_with: 2,
  sum: 1,
  to_array: 1,
  to_number: 1,
  to_string: 1,
  type: 1,
  values: 1,
};

/** Expressions from the grammar, up to a small depth. */
export function jmesGrammarExpression(): fc.Arbitrary<string> {
  const { expression } = fc.letrec((tie) => {
    const sub = tie("expression") as fc.Arbitrary<string>;
    return {
      expression: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        identifier,
        fc.constant("@"),
        literal,
        fc.tuple(sub, identifier).map(([left, right]) => `${left}.${right}`),
        fc.tuple(sub, number).map(([left, index]) => `${left}[${index}]`),
        fc.tuple(sub, slice).map(([left, s]) => `${left}${s}`),
        fc.tuple(sub, sub).map(([left, right]) => `${left}[*].${right}`),
        fc.tuple(sub, fc.constantFrom("[*]", "[]", ".*", "[]", "[*]")).map(([left, op]) =>
          `${left}${op}`
        ),
        fc.tuple(sub, sub).map(([left, right]) => `${left}[].${right}`),
        fc.tuple(sub, sub).map(([left, condition]) => `${left}[?${condition}]`),
        fc.tuple(sub, sub).map(([left, right]) => `${left}.*.${right}`),
        fc.array(sub, { minLength: 1, maxLength: 3 }).map((items) => `[${items.join(", ")}]`),
        fc.array(fc.tuple(key, sub), { minLength: 1, maxLength: 3 }).map((pairs) =>
          `{${pairs.map(([key, value]) => `${key}: ${value}`).join(", ")}}`
        ),
        fc.tuple(
          sub,
          fc.constantFrom(" | ", " || ", " && ", " == ", " != ", " < ", " <= ", " > ", " >= "),
          sub,
        )
          .map(([left, op, right]) => `${left}${op}${right}`),
        sub.map((inner) => `!${inner}`),
        sub.map((inner) => `(${inner})`),
        sub.map((inner) => `&${inner}`),
        fc.tuple(functionName, fc.array(sub, { maxLength: 3 })).map(([name, args]) =>
          `${name}(${args.join(", ")})`
        ),
        fc.tuple(
          fc.constantFrom(...Object.keys(ARITY)),
          fc.array(sub, { minLength: 3, maxLength: 3 }),
        )
          .map(([name, args]) => `${name}(${args.slice(0, ARITY[name]).join(", ")})`),
        fc.tuple(
          fc.constantFrom(...Object.keys(ARITY)),
          fc.array(sub, { minLength: 3, maxLength: 3 }),
        )
          .map(([name, args]) => `${name}(${args.slice(0, ARITY[name]).join(", ")})`),
        fc.tuple(
          fc.constantFrom("sort_by", "max_by", "min_by", "map"),
          sub,
          sub,
        ).map(([name, list, key]) =>
          name === "map" ? `map(&${key}, ${list})` : `${name}(${list}, &${key})`
        ),
      ),
    };
  });
  return expression;
}

const SOUP_TOKENS = [
  "a",
  "b",
  "@",
  "[",
  "]",
  "[?",
  "[]",
  "(",
  ")",
  "{",
  "}",
  ".",
  "*",
  ",",
  ":",
  "|",
  "||",
  "&&",
  "&",
  "!",
  "==",
  "!=",
  "<",
  ">=",
  "0",
  "-1",
  "-",
  "`1`",
  "'x'",
  '"k"',
  "=",
  " ",
  "\r",
  "length(",
  "abs(",
  "\u0080",
  "é",
  "?",
];

/** Short runs of tokens: the parser's corners (most are errors, some are not). */
export function jmesTokenSoup(): fc.Arbitrary<string> {
  return fc.array(fc.constantFrom(...SOUP_TOKENS), { minLength: 1, maxLength: 8 })
    .map((tokens) => tokens.join(""));
}

/** An expression whose result is often a string (so that values, not type errors, are compared). */
export function jmesExpression(): fc.Arbitrary<string> {
  const grammar = jmesGrammarExpression();
  return fc.oneof(
    { weight: 5, arbitrary: grammar.map((e) => `to_string(${e})`) },
    { weight: 3, arbitrary: grammar },
    { weight: 1, arbitrary: grammar.map((e) => `type(${e})`) },
    { weight: 1, arbitrary: grammar.map((e) => `join(',', ${e}[*].to_string(@))`) },
    { weight: 2, arbitrary: jmesTokenSoup() },
  );
}
