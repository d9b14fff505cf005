/**
 * Benchmarks of jmesPath extraction at the default limits (100,000 steps,
 * 1 MiB strings): a typical entry, and every hostile shape we know of, each
 * sized to spend its whole work budget (or to meet the value limit) on a
 * secret of at most 64 KiB, the Secrets Manager maximum. The default budget
 * must stay well under 50 ms of CPU for any expression; these are the worst
 * cases found.
 *
 * ```sh
 * deno bench --allow-all src/fetch/jmes/extract_bench.ts
 * ```
 *
 * @module
 */

import { extractJmesValues, JmesError } from "./extract.ts";
import { LimitError } from "../../limits/mod.ts";

/** One hostile (or typical) extraction. */
export interface JmesBenchCase {
  /** What it attacks. */
  name: string;
  /** The secret (JSON text, at most 64 KiB). */
  secret: string;
  /** The jmesPath expression. */
  path: string;
}

const doubling = (steps: number) => Array(steps).fill("[@,@]").join(" | ");
const repeat = (text: string, times: number, separator = ",") =>
  Array(times).fill(text).join(separator);
function list<T>(n: number, item: (i: number) => T): T[] {
  return Array.from({ length: n }, (_, i) => item(i));
}
const object = (n: number, entry: (i: number) => [string, unknown]) =>
  Object.fromEntries(list(n, entry));
const scrambled = (i: number, n: number) => (i * 7919) % n;

/** The cases, in the order of issue 10's list of shapes. */
export const JMES_BENCH_CASES: readonly JmesBenchCase[] = [
  {
    name: "typical: one key of a small secret",
    secret: JSON.stringify({ username: "admin", password: "pä$$wörd", port: 5432 }),
    path: "username",
  },
  ...[10, 20, 30, 60].map((steps) => ({
    name: `doubling ${steps} steps then to_string`,
    secret: '{"a":"56-byte secret............................."}',
    path: `${doubling(steps)} | to_string(@)`,
  })),
  {
    name: "doubling then flatten",
    secret: "1",
    path: `${doubling(25)} | ${repeat("[]", 25, " | ")}`,
  },
  {
    name: "doubling then projections",
    secret: "1",
    path: `${doubling(25)} | ${repeat("[*]", 25, "")}`,
  },
  {
    name: "doubling then a projection that doubles each element",
    secret: "1",
    path: `${doubling(16)} | [*].[@, @][][*].[@, @][][*].[@, @][]`,
  },
  {
    name: "deep equality of equal distinct arrays",
    secret: JSON.stringify({ a: list(5000, (i) => [i]), b: list(5000, (i) => [i]) }),
    path: `to_string([${repeat("a == b", 40)}])`,
  },
  {
    name: "deep equality of equal distinct objects",
    secret: JSON.stringify({
      a: object(2500, (i) => [`k${i}`, i]),
      b: object(2500, (i) => [`k${i}`, i]),
    }),
    path: `to_string([${repeat("a == b", 40)}])`,
  },
  {
    name: "contains by value in a long array",
    secret: JSON.stringify({ a: list(4000, () => ({ k: [1, 2] })), b: { k: [1, 3] } }),
    path: `to_string([${repeat("contains(a, b)", 40)}])`,
  },
  {
    name: "sort_by with a costly key",
    secret: JSON.stringify({ a: list(3000, (i) => ({ k: scrambled(i, 3000), v: [i, i] })) }),
    path: "sort_by(a, &to_string(@))[0].k | to_string(@)",
  },
  {
    name: "sort_by with NaN keys (Go's own sort)",
    secret: JSON.stringify({
      a: list(3000, (i) => ({ k: i % 3 === 0 ? null : scrambled(i, 3000) })),
    }),
    path: "sort_by(a, &(k || avg(`[]`)))[0].k | to_string(@)",
  },
  {
    name: "max_by with a costly key",
    secret: JSON.stringify({ a: list(3000, (i) => ({ k: scrambled(i, 3000), v: [i, i] })) }),
    path: "max_by(a, &to_string(@)).k | to_string(@)",
  },
  {
    name: "sort of numbers",
    secret: JSON.stringify({ a: list(8000, (i) => scrambled(i, 8000)) }),
    path: "to_string(sort(a)[0])",
  },
  {
    name: "sort of strings with long common prefixes",
    secret: JSON.stringify({ a: list(60, (i) => `${"p".repeat(1000)}${scrambled(i, 60)}`) }),
    path: `[${repeat("sort(a)[0]", 20)}] | join('', @)`,
  },
  {
    name: "sort of strings with long common prefixes, all above U+D800 (our own order loop)",
    secret: JSON.stringify({ a: list(60, (i) => `${"😀\ue000".repeat(500)}${scrambled(i, 60)}`) }),
    path: `[${repeat("sort(a)[0]", 20)}] | join('', @)`,
  },
  {
    name: "join of a huge list (doubled references to a long string)",
    secret: JSON.stringify({ a: "x".repeat(60_000) }),
    path: `a | ${doubling(20)} | ${repeat("[]", 19, " | ")} | join('', @)`,
  },
  {
    name: "join of a huge list of short strings",
    secret: JSON.stringify({ a: "x" }),
    path: `a | ${doubling(17)} | ${repeat("[]", 16, " | ")} | join(',', @)`,
  },
  {
    name: "merge and values of doubled objects",
    secret: JSON.stringify(object(3000, (i) => [`k${i}`, i])),
    path: `to_string([${repeat("length(values(merge(@, @, @, @)))", 10)}])`,
  },
  {
    name: "value projection of a wide object",
    secret: JSON.stringify(object(3000, (i) => [`k${i}`, [i]])),
    path: `to_string([${repeat("length(*)", 60)}])`,
  },
  {
    name: "to_string of many small objects",
    secret: JSON.stringify(list(4000, (i) => ({ [`k${i}`]: i }))),
    path: "to_string(@)",
  },
  {
    name: "to_string of a wide object with long common key prefixes",
    secret: JSON.stringify(object(700, (i) => [`${"q".repeat(80)}${scrambled(i, 700)}`, 1])),
    path: `[${repeat("to_string(@)", 10)}] | join('', @)`,
  },
  {
    name: "to_string of strings that are all escapes",
    secret: JSON.stringify({ a: "<".repeat(60_000) }),
    path: `[${repeat("to_string([a, a])", 10)}] | join('', @)`,
  },
  {
    name: "to_string of control characters",
    secret: JSON.stringify({ a: "\u0001".repeat(30_000) }),
    path: `[${repeat("to_string([a, a])", 10)}] | join('', @)`,
  },
  {
    name: "reverse of a long string",
    secret: JSON.stringify({ a: "😀é".repeat(20_000) }),
    path: `[${repeat("reverse(a)", 60)}][0]`,
  },
  {
    name: "length of a long string",
    secret: JSON.stringify({ a: "😀".repeat(30_000) }),
    path: `to_string([${repeat("length(a)", 60)}])`,
  },
  {
    name: "contains of a long string (adversarial search)",
    secret: JSON.stringify({ a: "a".repeat(40_000), b: `${"a".repeat(20_000)}b` }),
    path: `to_string([${repeat("contains(a, b)", 60)}])`,
  },
  {
    name: "equality of long strings",
    secret: JSON.stringify({ a: "a".repeat(60_000) }),
    path: `to_string([${repeat("a == reverse(a)", 30)}])`,
  },
  {
    name: "to_number of long strings",
    secret: JSON.stringify({ a: `0x${"f".repeat(30_000)}p0`, b: "1_".repeat(15_000) + "1" }),
    path: `[${repeat("[a, b]", 32)}] | [] | [*].to_number(@) | to_string(@)`,
  },
  {
    name: "filter over a long array",
    secret: JSON.stringify(list(12_000, (i) => i)),
    path: "to_string(length([?@ > `5` && @ < `100000`]))",
  },
  {
    name: "an error caught per element",
    secret: JSON.stringify(list(12_000, (i) => i)),
    path: "to_string(length(map(&(abs('x')[]), @)))",
  },
  {
    name: "a multi-select hash per element",
    secret: JSON.stringify(list(12_000, (i) => i)),
    path: "to_string(length([*].{a: @, b: @, c: @}))",
  },
  {
    name: "to_string of a 10,000-level document",
    secret: `${"[".repeat(10_000)}${"]".repeat(10_000)}`,
    path: `[${repeat("to_string(@)", 8)}] | join('', @)`,
  },
  {
    name: "equality of a 10,000-level document with a copy",
    secret: `[${"[".repeat(9_999)}${"]".repeat(9_999)},${"[".repeat(9_999)}${"]".repeat(9_999)}]`,
    path: `to_string([${repeat("[0] == [1]", 10)}])`,
  },
];

const encoder = new TextEncoder();

/** Runs one case once: a value, a JmesError or a LimitError. */
export function runJmesBenchCase(benchCase: JmesBenchCase): string {
  try {
    const [value] = extractJmesValues(
      encoder.encode(benchCase.secret),
      [{ path: benchCase.path, alias: "bench", fileName: "bench", mode: undefined }],
      "bench",
    );
    return `a value of ${value.length} bytes`;
  } catch (error) {
    if (error instanceof LimitError || error instanceof JmesError) return error.message;
    throw error;
  }
}

for (const benchCase of JMES_BENCH_CASES) {
  Deno.bench(benchCase.name, () => {
    runJmesBenchCase(benchCase);
  });
}
