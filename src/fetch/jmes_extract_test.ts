import assert from "node:assert/strict";
import type { JmesFile } from "../config/mount_objects.ts";
import { extractJmesValues, JmesError } from "./jmes_extract.ts";

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
