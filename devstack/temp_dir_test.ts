import assert from "node:assert/strict";
import { tempDir } from "./temp_dir.ts";

Deno.test("tempDir is removed with what it holds when its scope ends", async () => {
  let path: string;
  {
    await using dir = await tempDir("temp-dir-test-");
    path = dir.path;
    assert.ok(path.split("/").at(-1)!.startsWith("temp-dir-test-"));
    await Deno.mkdir(`${path}/nested`);
    await Deno.writeTextFile(`${path}/nested/file`, "x");
  }
  await assert.rejects(Deno.lstat(path), Deno.errors.NotFound);
});

Deno.test("tempDir removed by the test itself is not an error at the scope's end", async () => {
  await using dir = await tempDir("temp-dir-test-");
  await Deno.remove(dir.path);
});
