import assert from "node:assert/strict";
import { filePathProblem } from "./file_path_rules.ts";

Deno.test("clean relative paths are accepted", () => {
  for (const path of ["password", "db/password", "a.b", ".hidden/..y", "a/..b", "x".repeat(255)]) {
    assert.equal(filePathProblem(path), undefined, path);
  }
});

Deno.test("an empty path is refused", () => {
  assert.equal(filePathProblem(""), "it is empty");
});

Deno.test("a NUL byte is refused", () => {
  assert.equal(filePathProblem("a\0b"), "it contains a NUL byte");
});

Deno.test("an absolute path is refused", () => {
  assert.equal(filePathProblem("/etc/passwd"), "it is an absolute path");
});

Deno.test("a .. element anywhere is refused", () => {
  for (const path of ["..", "../x", "a/../b", "a/.."]) {
    assert.equal(filePathProblem(path), "it leaves the mount through '..'", path);
  }
});

Deno.test("empty and . elements are refused as not clean", () => {
  for (const path of ["a//b", "a/", "./a", "a/./b", "."]) {
    assert.equal(
      filePathProblem(path),
      "it is not a clean relative path (empty or '.' element)",
      path,
    );
  }
});

Deno.test("a first element starting with .. is reserved by the driver", () => {
  for (const path of ["..data", "..2024_01_01/x", "...x"]) {
    assert.equal(
      filePathProblem(path),
      "names starting with '..' are reserved by the CSI driver",
      path,
    );
  }
});

Deno.test("an element over 255 bytes is refused, counting UTF-8 bytes", () => {
  assert.equal(filePathProblem("x".repeat(256)), "a path element is longer than 255 bytes");
  assert.equal(filePathProblem("é".repeat(128)), "a path element is longer than 255 bytes");
  assert.equal(filePathProblem("é".repeat(127)), undefined);
});

Deno.test("a path over 4096 bytes is refused", () => {
  const tooLong = Array(17).fill("x".repeat(241)).join("/"); // 4113 bytes
  assert.equal(filePathProblem(tooLong), "it is longer than 4096 bytes");
  const longest = Array(17).fill("x".repeat(240)).join("/"); // 4096 bytes
  assert.equal(filePathProblem(longest), undefined);
});
