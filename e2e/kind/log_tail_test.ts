import assert from "node:assert/strict";
import { LogTail } from "./log_tail.ts";

Deno.test("lines may span chunks; the unfinished last line is shown too", () => {
  const tail = new LogTail();
  tail.push("first li");
  tail.push("ne\r\nsecond\nthi");
  assert.equal(tail.text(), "first line\nsecond\nthi\n");
  tail.push("rd\n");
  assert.equal(tail.text(), "first line\nsecond\nthird\n");
  assert.equal(tail.text(2), "(1 earlier lines not kept)\nsecond\nthird\n");
  assert.equal(new LogTail().text(), "");
});

Deno.test("only the last lines are kept, and each line only up to its limit", () => {
  const tail = new LogTail({ maxLines: 3, maxLineLength: 5 });
  for (let line = 1; line <= 10; line++) tail.push(`line ${line}\n`);
  assert.equal(
    tail.text(),
    "(7 earlier lines not kept)\n" +
      "line … (1 more characters)\nline … (1 more characters)\nline … (2 more characters)\n",
  );
  // A long line cut across chunks counts everything it lost.
  const long = new LogTail({ maxLineLength: 4 });
  long.push("abcdef");
  long.push("ghij\nok\n");
  assert.equal(long.text(), "abcd… (6 more characters)\nok\n");
  const unfinished = new LogTail({ maxLineLength: 2 });
  unfinished.push("xyz");
  assert.equal(unfinished.text(), "xy… (1 more characters)\n");
});
