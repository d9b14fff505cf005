import assert from "node:assert/strict";
import { removeOtherFiles } from "./prune_mount.ts";
import { WriteError } from "./atomic_writer.ts";

async function tree(files: string[]): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "prune-" });
  for (const file of files) {
    const path = `${root}/${file}`;
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(path, "x");
  }
  return root;
}

async function listing(root: string, relative = ""): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(relative ? `${root}/${relative}` : root)) {
    const path = relative ? `${relative}/${entry.name}` : entry.name;
    names.push(entry.isDirectory ? `${path}/` : path);
    if (entry.isDirectory) names.push(...await listing(root, path));
  }
  return names.sort();
}

Deno.test("files not kept are removed, with the directories they emptied", async () => {
  const root = await tree(["a", "gone", "dir/kept", "dir/old", "stale/deep/x"]);
  const removed = await removeOtherFiles(root, ["a", "dir/kept"]);
  assert.deepEqual(removed.sort(), ["dir/old", "gone", "stale", "stale/deep", "stale/deep/x"]);
  assert.deepEqual(await listing(root), ["a", "dir/", "dir/kept"]);
  await Deno.remove(root, { recursive: true });
});

Deno.test("names the driver reserves at the top (..data) are left alone", async () => {
  const root = await tree(["..data/file", "..2024_01_01/f", "kept"]);
  await removeOtherFiles(root, ["kept"]);
  assert.deepEqual(await listing(root), [
    "..2024_01_01/",
    "..2024_01_01/f",
    "..data/",
    "..data/file",
    "kept",
  ]);
  await Deno.remove(root, { recursive: true });
});

Deno.test("a symbolic link is removed as an entry, never followed", async () => {
  const outside = await tree(["precious"]);
  const root = await tree(["kept"]);
  await Deno.symlink(outside, `${root}/link-to-dir`);
  await Deno.symlink(`${outside}/precious`, `${root}/link-to-file`);
  await removeOtherFiles(root, ["kept"]);
  assert.deepEqual(await listing(root), ["kept"]);
  assert.deepEqual(await listing(outside), ["precious"]);
  await Deno.remove(root, { recursive: true });
  await Deno.remove(outside, { recursive: true });
});

Deno.test("a mount with more entries than the bound is refused with a WriteError", async () => {
  const root = await tree(["a", "b", "c", "d"]);
  await assert.rejects(
    () => removeOtherFiles(root, [], { maxEntries: 3 }),
    (error: Error) =>
      error instanceof WriteError &&
      /holds more than 3 entries; files that no longer match were not removed$/.test(error.message),
  );
  await Deno.remove(root, { recursive: true });
});

Deno.test("nothing to remove leaves the mount as it was", async () => {
  const root = await tree(["x/y", "z"]);
  assert.deepEqual(await removeOtherFiles(root, ["x/y", "z"]), []);
  assert.deepEqual(await listing(root), ["x/", "x/y", "z"]);
  await Deno.remove(root, { recursive: true });
});
