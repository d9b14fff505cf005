import assert from "node:assert/strict";
import {
  parsePathTranslation,
  PATH_TRANSLATION_ERROR,
  translateFileName,
} from "./path_translation.ts";

Deno.test("an empty pathTranslation means underscore", () => {
  assert.equal(parsePathTranslation(""), "_");
});

Deno.test("false in any letter case turns translation off", () => {
  for (const value of ["false", "False", "FALSE", "fAlSe"]) {
    assert.equal(parsePathTranslation(value), undefined);
  }
});

Deno.test("a one-byte value is the replacement character", () => {
  for (const value of ["-", ".", "/", "x", " "]) assert.equal(parsePathTranslation(value), value);
});

Deno.test("values of more than one byte are refused, multi-byte characters included", () => {
  for (const value of ["ab", "no", "true", "__", "é", "\u2013", "😀"]) {
    assert.throws(() => parsePathTranslation(value), { message: PATH_TRANSLATION_ERROR });
  }
});

Deno.test("the error text is the Go provider's", () => {
  assert.equal(
    PATH_TRANSLATION_ERROR,
    "pathTranslation must be either 'False' or a single character string",
  );
});

Deno.test("with translation every slash is replaced, leading ones included", () => {
  assert.equal(translateFileName("/a/b", "_"), "_a_b");
  assert.equal(translateFileName("mypath/x", "-"), "mypath-x");
  assert.equal(translateFileName("//a//", "_"), "__a__");
  assert.equal(translateFileName("plain", "_"), "plain");
});

Deno.test("without translation leading slashes are stripped and inner ones kept", () => {
  assert.equal(translateFileName("/a/b", undefined), "a/b");
  assert.equal(translateFileName("///a//b/", undefined), "a//b/");
  assert.equal(translateFileName("a/b", undefined), "a/b");
});
