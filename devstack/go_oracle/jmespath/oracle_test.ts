import assert from "node:assert/strict";
import { ensureJmesOracle, JMES_ORACLE_BIN, runJmesOracle } from "./oracle.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

Deno.test("the oracle is built once and then reused while its inputs are unchanged", async () => {
  assert.equal(await ensureJmesOracle(), JMES_ORACLE_BIN);
  const built = (await Deno.stat(JMES_ORACLE_BIN)).mtime?.getTime();
  assert.equal(await ensureJmesOracle(), JMES_ORACLE_BIN);
  assert.equal((await Deno.stat(JMES_ORACLE_BIN)).mtime?.getTime(), built);
});

Deno.test("the oracle answers with the Go provider's values and error texts", async () => {
  const document = encoder.encode('{"user": "admin", "port": 5432, "list": [[1]]}');
  const [values, notString, missing, badPath, badJson, panic] = await runJmesOracle([
    {
      document,
      objectName: "db",
      entries: [{ path: "user", alias: "u" }, { path: "to_string(port)", alias: "p" }],
    },
    { document, objectName: "db", entries: [{ path: "port", alias: "p" }] },
    { document, objectName: "db", entries: [{ path: "absent", alias: "a" }] },
    { document, objectName: "db", entries: [{ path: "user.[", alias: "u" }] },
    {
      document: encoder.encode("user=admin"),
      objectName: "db",
      entries: [{ path: "user", alias: "u" }],
    },
    { document, objectName: "db", entries: [{ path: "contains(list, `[1]`)", alias: "c" }] },
  ]);
  assert.deepEqual(
    values.map((o) => "values" in o ? o.values.map((v) => decoder.decode(v)) : o),
    [["admin", "5432"]],
  );
  assert.deepEqual(notString, [{
    error: "Invalid JMES search result type for path:port. Only string is allowed.",
  }]);
  assert.deepEqual(missing, [{
    error: "JMES Path - absent for object alias - a does not point to a valid object.",
  }]);
  assert.deepEqual(badPath, [{ error: "Invalid JMES Path: user.[." }]);
  assert.deepEqual(badJson, [{ error: "Invalid JSON used with jmesPath in secret: db." }]);
  // go-jmespath compares arrays with ==, which panics (and kills the Go provider).
  assert.deepEqual(panic, [{ panic: "runtime error: comparing uncomparable type []interface {}" }]);
});

Deno.test("where Go's map order shows, the oracle lists what it saw, insertion order among it", async () => {
  const [outcomes] = await runJmesOracle([
    {
      document: encoder.encode('{"a": 1, "b": 2}'),
      objectName: "db",
      entries: [{ path: "join(',', keys(@))", alias: "k" }],
    },
  ]);
  const texts = outcomes.map((o) =>
    "values" in o ? decoder.decode(o.values[0]) : JSON.stringify(o)
  );
  assert.ok(texts.includes("a,b"), texts.join(" | "));
  for (const text of texts) assert.ok(["a,b", "b,a"].includes(text), text);
});
