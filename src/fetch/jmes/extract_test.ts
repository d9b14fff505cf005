import assert from "node:assert/strict";
import type { JmesFile } from "../../config/mod.ts";
import { LimitError, mountLimits } from "../../limits/mod.ts";
import { extractJmesValues, JmesError } from "./extract.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function file(path: string, alias = "out"): JmesFile {
  return { path, alias, fileName: alias, mode: undefined };
}

function extract(secret: string, ...files: JmesFile[]): string[] {
  return extractJmesValues(encoder.encode(secret), files, "app/db").map((bytes) =>
    decoder.decode(bytes)
  );
}

function failure(secret: string, ...files: JmesFile[]): string {
  try {
    extract(secret, ...files);
  } catch (error) {
    assert.ok(error instanceof JmesError);
    return error.message;
  }
  assert.fail("no JmesError thrown");
}

const SECRET = JSON.stringify({
  username: "admin",
  "my-key": "hyphen",
  port: 5432,
  enabled: true,
  nested: { host: "db.internal", tags: ["a", "b"] },
  nothing: null,
  unicode: "pä$$wörd",
});

Deno.test("extractJmesValues returns the UTF-8 bytes of each string result in entry order", () => {
  assert.deepEqual(
    extract(SECRET, file("nested.host", "host"), file("username", "user"), file("unicode")),
    ["db.internal", "admin", "pä$$wörd"],
  );
});

Deno.test("a hyphenated key works when quoted in the expression", () => {
  assert.deepEqual(extract(SECRET, file('"my-key"')), ["hyphen"]);
});

Deno.test("without entries the secret is not parsed at all", () => {
  assert.deepEqual(extractJmesValues(encoder.encode("not json"), [], "x"), []);
});

Deno.test("any JSON document is accepted, not only objects", () => {
  assert.deepEqual(extract('"just a string"', file("@")), ["just a string"]);
  assert.deepEqual(extract('["x", "y"]', file("[1]")), ["y"]);
});

Deno.test("a secret that is not JSON fails with the Go provider's text", () => {
  assert.equal(
    failure("user=admin", file("user")),
    "Invalid JSON used with jmesPath in secret: app/db.",
  );
});

Deno.test("an invalid expression fails with the Go provider's text", () => {
  assert.equal(failure(SECRET, file("nested.[")), "Invalid JMES Path: nested.[.");
  assert.equal(failure(SECRET, file("my-key")), "Invalid JMES Path: my-key.");
});

Deno.test("a missing or null result fails with the Go provider's text", () => {
  assert.equal(
    failure(SECRET, file("absent", "absent-file")),
    "JMES Path - absent for object alias - absent-file does not point to a valid object.",
  );
  assert.equal(
    failure(SECRET, file("nothing", "n")),
    "JMES Path - nothing for object alias - n does not point to a valid object.",
  );
});

Deno.test("a number, boolean, object or array result fails with the Go provider's text", () => {
  for (const path of ["port", "enabled", "nested", "nested.tags"]) {
    assert.equal(
      failure(SECRET, file(path)),
      `Invalid JMES search result type for path:${path}. Only string is allowed.`,
    );
  }
});

Deno.test("the first failing entry decides the error", () => {
  assert.equal(
    failure(SECRET, file("username"), file("port"), file("absent")),
    "Invalid JMES search result type for path:port. Only string is allowed.",
  );
});

Deno.test("an empty string result is a valid, empty file", () => {
  assert.deepEqual(extract('{"blank": ""}', file("blank")), [""]);
});

// --- Limits (issue 10): every jmesPath entry is hostile input. ---

function limited(
  secret: string,
  path: string,
  overrides: Parameters<typeof mountLimits>[0],
): string[] {
  return extractJmesValues(encoder.encode(secret), [file(path, "x")], "app/db", {
    limits: mountLimits(overrides),
  }).map((bytes) => decoder.decode(bytes));
}

function limitError(run: () => unknown): LimitError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof LimitError, `not a LimitError: ${error}`);
    return error;
  }
  assert.fail("no LimitError thrown");
}

const doubling = (steps: number) => `${Array(steps).fill("[@,@]").join(" | ")} | to_string(@)`;
const SECRET_56 = JSON.stringify({ password: "a 56-byte secret, as in the hostile repro" });

Deno.test("an expression at the length limit is evaluated; one character more is refused before parsing", () => {
  const path = `'${"x".repeat(98)}'`; // 100 characters
  assert.deepEqual(limited(SECRET, path, { jmesPathLength: 100 }), ["x".repeat(98)]);
  assert.deepEqual(limited(SECRET, path, { jmesPathLength: 101 }), ["x".repeat(98)]);
  const error = limitError(() => limited(SECRET, `${path} `, { jmesPathLength: 100 }));
  assert.equal(
    error.message,
    `jmesPath "'${"x".repeat(63)}…" of object app/db (alias x) is 101 characters; ` +
      "the limit is 100 characters (provider flag --max-jmes-path-length)",
  );
});

Deno.test("a too-long expression is refused even when the secret is not JSON", () => {
  limitError(() => limited("not json", "a".repeat(2_000), {}));
});

Deno.test("an expression that needs exactly the work budget passes; one step less fails", () => {
  // `username`: one node, then the result is measured and copied (one step each).
  assert.deepEqual(limited(SECRET, "username", { jmesPathWork: 3 }), ["admin"]);
  const error = limitError(() => limited(SECRET, "username", { jmesPathWork: 2 }));
  assert.equal(
    error.message,
    'jmesPath "username" of object app/db (alias x) needed more evaluation steps than allowed; ' +
      "the limit is 2 steps (provider flag --max-jmes-path-work)",
  );
});

Deno.test("a result at the value limit is written; one byte more is refused (UTF-8 bytes)", () => {
  const secret = JSON.stringify({ v: "é".repeat(50) }); // 100 bytes
  assert.deepEqual(limited(secret, "v", { valueBytes: 100 }), ["é".repeat(50)]);
  assert.deepEqual(limited(secret, "v", { valueBytes: 101 }), ["é".repeat(50)]);
  const error = limitError(() => limited(secret, "v", { valueBytes: 99 }));
  assert.equal(
    error.message,
    'jmesPath "v" of object app/db (alias x) would make a string of 100 bytes; ' +
      "the limit is 99 bytes (provider flag --max-value-bytes)",
  );
});

Deno.test("strings made on the way are held to the value limit before they are made", () => {
  const secret = JSON.stringify({ v: "x".repeat(40) });
  assert.equal(limited(secret, "join('', [v, v])", { valueBytes: 80 })[0].length, 80);
  limitError(() => limited(secret, "join('', [v, v, v])", { valueBytes: 80 }));
  limitError(() => limited(secret, "length(to_string([v, v])) && v", { valueBytes: 80 }));
});

Deno.test("the doubling attack: 10 steps fit the default limits, 16, 20, 30 and 60 get a clear LimitError", () => {
  const heapBefore = Deno.memoryUsage().heapUsed;
  const started = performance.now();
  assert.equal(SECRET_56.length, 56);
  // 2^10 copies of the document with their brackets and commas: 60 KB, as the Go provider writes it.
  assert.equal(limited(SECRET_56, doubling(10), {})[0].length, 2 ** 10 * (56 + 3) - 3);
  // 16 steps would write the report's file of several MB (3.8 MB); 20, 30 and 60 far more.
  for (const steps of [16, 20, 30, 60]) {
    const error = limitError(() => limited(SECRET_56, doubling(steps), {}));
    assert.match(
      error.message,
      /would make a string of at least \d+ bytes; the limit is 1048576 bytes/,
    );
  }
  // Hang and memory guards, far above what the budgets allow (the unbudgeted
  // evaluator took seconds and ran out of heap at 25 steps).
  assert.ok(performance.now() - started < 2_000);
  assert.ok(Deno.memoryUsage().heapUsed - heapBefore < 64 * 1024 * 1024);
});

Deno.test("doubling then flattening or projecting stops at the work budget", () => {
  const twenty = Array(20).fill("[@,@]").join(" | ");
  for (
    const path of [
      `${twenty} | ${Array(20).fill("[]").join(" | ")} | to_string(length(@))`,
      `${twenty} | ${Array(20).fill("[*]").join("")} | to_string(@)`,
    ]
  ) {
    const error = limitError(() => limited(SECRET_56, path, {}));
    assert.match(error.message, /needed more evaluation steps than allowed/);
  }
});

Deno.test("equality of two doubled structures costs steps per distinct pair, as Go's DeepEqual", () => {
  const sixty = Array(60).fill("[@,@]").join(" | ");
  // 2^60 paths on each side, built separately; each distinct pair is compared once.
  assert.deepEqual(
    limited(SECRET_56, `[${sixty}, @ | ${sixty}] | [0] == [1] && 'equal'`, { jmesPathWork: 2_000 }),
    ["equal"],
  );
});

Deno.test("a tree too deep to evaluate safely counts against the length limit", () => {
  const chain = Array(2_000).fill("a").join(".");
  const error = limitError(() => limited(SECRET, chain, { jmesPathLength: 10_000 }));
  assert.match(
    error.message,
    /^jmesPath "a\.a.*" of object app\/db \(alias x\) nests more than 1500 levels deep; the limit is 10000 characters/,
  );
});

Deno.test("limit errors never hold a secret value", () => {
  const secret = JSON.stringify({ password: "SV-marker-1234567890abcdef" });
  for (const overrides of [{ jmesPathWork: 1 }, { valueBytes: 10 }]) {
    const error = limitError(() => limited(secret, "password", overrides));
    assert.ok(!error.message.includes("SV-marker"));
  }
});

Deno.test("without options the default limits apply", () => {
  const error = limitError(() => extract(SECRET, file("a".repeat(1_025))));
  assert.match(
    error.message,
    /the limit is 1024 characters \(provider flag --max-jmes-path-length\)$/,
  );
});

Deno.test("documents nested 10,000 levels deep are read; 10,001 is invalid JSON, as in Go", () => {
  const deep = `${'{"a":'.repeat(10_000)}"leaf"${"}".repeat(10_000)}`;
  assert.deepEqual(extract(deep, file("to_string(length(to_string(@)))")), ["60006"]);
  assert.deepEqual(extract(deep, file("to_string(@ == @)")), ["true"]);
  assert.equal(
    limited(deep, `${Array(1_000).fill("a").join(".")} | type(@)`, { jmesPathLength: 3_000 })[0],
    "object",
  );
  assert.equal(
    failure(`[${deep}]`, file("[0]")),
    "Invalid JSON used with jmesPath in secret: app/db.",
  );
});

Deno.test("entries share one document: sort_by of one entry is seen by the next, as in Go", () => {
  const secret = JSON.stringify({ list: [{ k: "b" }, { k: "a" }] });
  assert.deepEqual(extract(secret, file("sort_by(list, &k)[0].k", "x"), file("list[0].k", "y")), [
    "a",
    "a",
  ]);
});

Deno.test("Go's semantics where npm:jmespath differs", () => {
  const secret = JSON.stringify({ n: [10, 9, 1], l: [[1], [2]], o: { b: "<", a: -0 } });
  assert.deepEqual(extract(secret, file("to_string(sort(n))")), ["[1,9,10]"]);
  assert.deepEqual(extract(secret, file("to_string(contains(l, `[2]`))")), ["true"]);
  assert.deepEqual(extract(secret, file("to_string(o)")), ['{"a":0,"b":"\\u003c"}']);
  assert.deepEqual(extract('{"z": -0}', file("to_string(z)")), ["-0"]);
  assert.deepEqual(extract(secret, file("length(@.n) && 'parsed'")), ["parsed"]);
  assert.equal(failure(secret, file("`foo`")), "Invalid JMES Path: `foo`.");
});
