import assert from "node:assert/strict";
import { asyncDenoWriterFs, denoWriterFs, guardedWriterFs, type WriterFs } from "./writer_fs.ts";

/** A WriterFs that records its calls under `name`, each "taking" `cost()` ms on `clock`. */
function recording(name: string, calls: string[], clock: { t: number }, cost: () => number) {
  const record = (call: string) => {
    calls.push(`${name}.${call}`);
    clock.t += cost();
    return Promise.resolve();
  };
  const fs: WriterFs = {
    lstat: (path) => {
      record(`lstat ${path}`);
      return path === "missing"
        ? Promise.reject(new Deno.errors.NotFound(path))
        : Promise.resolve({ isDirectory: true } as Deno.FileInfo);
    },
    entries: (path) => record(`entries ${path}`).then(() => new Map<string, boolean>()),
    holds: (path, contents, mode) =>
      record(`holds ${path} ${contents.length} ${mode}`).then(() => false),
    mkdir: (path) => record(`mkdir ${path}`),
    writeNew: (path, contents, mode) => record(`writeNew ${path} ${contents.length} ${mode}`),
    rename: (from, to) => record(`rename ${from} ${to}`),
    remove: (path) => record(`remove ${path}`),
  };
  return fs;
}

Deno.test("guardedWriterFs: synchronous while fast; after a slow call asynchronous for a while, then back", async () => {
  const clock = { t: 0 };
  const calls: string[] = [];
  let syncCost = 1;
  const slow: number[] = [];
  const windows: number[] = [];
  const fs = guardedWriterFs({
    slowMs: 10,
    asyncForMs: 1_000,
    now: () => clock.t,
    sync: recording("sync", calls, clock, () => syncCost),
    async: recording("async", calls, clock, () => 0),
    onSlow: (ms, asyncForMs) => {
      slow.push(ms);
      windows.push(asyncForMs);
    },
  });
  await fs.writeNew("a", new Uint8Array(3), 0o640);
  await fs.rename("a", "b");
  syncCost = 25; // the disk stalls
  await fs.writeNew("c", new Uint8Array(1), 0o600);
  syncCost = 1;
  await fs.mkdir("d", { mode: 0o755 });
  await fs.remove("e");
  assert.equal(await fs.holds("e", new Uint8Array(2), 0o600), false);
  assert.equal((await fs.lstat("f")).isDirectory, true);
  await assert.rejects(() => fs.lstat("missing"), Deno.errors.NotFound);
  clock.t += 1_000; // the window is over
  await fs.rename("g", "h");
  assert.deepEqual(calls, [
    "sync.writeNew a 3 416",
    "sync.rename a b",
    "sync.writeNew c 1 384",
    "async.mkdir d",
    "async.remove e",
    "async.holds e 2 384",
    "async.lstat f",
    "async.lstat missing",
    "sync.rename g h",
  ]);
  assert.deepEqual(slow, [25]);
  assert.deepEqual(windows, [1_000]);
});

Deno.test("guardedWriterFs: a slow call that throws still switches, and its error is the caller's", async () => {
  const clock = { t: 0 };
  const calls: string[] = [];
  const failing: WriterFs = {
    ...recording("sync", calls, clock, () => 0),
    writeNew: () => {
      clock.t += 50;
      return Promise.reject(new Error("disk full"));
    },
  };
  const fs = guardedWriterFs({
    now: () => clock.t,
    sync: failing,
    async: recording("async", calls, clock, () => 0),
  });
  await assert.rejects(() => fs.writeNew("a", new Uint8Array(0), 0o644), /disk full/);
  await fs.remove("a");
  assert.deepEqual(calls, ["async.remove a"]);
});

for (
  const [name, fs] of [["denoWriterFs", denoWriterFs], [
    "asyncDenoWriterFs",
    asyncDenoWriterFs,
  ]] as const
) {
  Deno.test(`${name}: exact modes whatever the umask, exclusive create, rename, remove, lstat`, async () => {
    const dir = await Deno.makeTempDir({ prefix: "writer-fs-" });
    const previous = Deno.umask(0o077);
    try {
      assert.deepEqual(await fs.entries(`${dir}/missing`), new Map());
      await fs.mkdir(`${dir}/sub`, { mode: 0o755 });
      assert.equal((await Deno.stat(`${dir}/sub`)).mode! & 0o777, 0o755);
      await fs.writeNew(`${dir}/sub/t`, new TextEncoder().encode("v"), 0o644);
      assert.equal((await Deno.stat(`${dir}/sub/t`)).mode! & 0o777, 0o644);
      await assert.rejects(
        () => fs.writeNew(`${dir}/sub/t`, new Uint8Array(0), 0o644),
        Deno.errors.AlreadyExists,
      );
      await fs.rename(`${dir}/sub/t`, `${dir}/sub/f`);
      await Deno.mkdir(`${dir}/sub/inner`);
      await Deno.symlink(`${dir}/sub/inner`, `${dir}/sub/link`);
      assert.deepEqual(
        await fs.entries(`${dir}/sub`),
        new Map([["f", false], ["inner", true], ["link", false]]),
      );
      assert.equal(await Deno.readTextFile(`${dir}/sub/f`), "v");
      assert.equal((await fs.lstat(`${dir}/sub/f`)).isFile, true);
      await fs.remove(`${dir}/sub/f`);
      await fs.remove(`${dir}/sub/f`); // a missing file is fine
      await assert.rejects(() => fs.lstat(`${dir}/sub/f`), Deno.errors.NotFound);
    } finally {
      Deno.umask(previous);
      await Deno.remove(dir, { recursive: true });
    }
  });
}

for (
  const [name, fs] of [["denoWriterFs", denoWriterFs], [
    "asyncDenoWriterFs",
    asyncDenoWriterFs,
  ]] as const
) {
  Deno.test(`${name}: holds only a regular file of exactly the contents and mode`, async () => {
    const dir = await Deno.makeTempDir({ prefix: "writer-fs-holds-" });
    const bytes = (text: string) => new TextEncoder().encode(text);
    try {
      await fs.writeNew(`${dir}/f`, bytes("value-1"), 0o640);
      assert.equal(await fs.holds(`${dir}/f`, bytes("value-1"), 0o640), true);
      assert.equal(await fs.holds(`${dir}/f`, bytes("value-2"), 0o640), false, "same size");
      assert.equal(await fs.holds(`${dir}/f`, bytes("value-10"), 0o640), false, "longer");
      assert.equal(await fs.holds(`${dir}/f`, bytes("value-1"), 0o644), false, "mode");
      assert.equal(await fs.holds(`${dir}/missing`, bytes(""), 0o644), false);
      await Deno.symlink(`${dir}/f`, `${dir}/link`);
      assert.equal(await fs.holds(`${dir}/link`, bytes("value-1"), 0o640), false, "a link");
      await Deno.mkdir(`${dir}/d`);
      assert.equal(await fs.holds(`${dir}/d`, bytes(""), 0o755), false, "a directory");
      await fs.writeNew(`${dir}/empty`, bytes(""), 0o600);
      assert.equal(await fs.holds(`${dir}/empty`, bytes(""), 0o600), true);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}
