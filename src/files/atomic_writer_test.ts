import assert from "node:assert/strict";
import { WriteError, writeFilesAtomically } from "./atomic_writer.ts";
import { denoWriterFs, type WriterFs } from "./writer_fs.ts";
import type { MountFile } from "./mount_file.ts";

const encoder = new TextEncoder();

function file(path: string, contents: string | Uint8Array, mode = 0o644): MountFile {
  return {
    path,
    mode,
    contents: typeof contents === "string" ? encoder.encode(contents) : contents,
  };
}

async function modeOf(path: string): Promise<number> {
  return (await Deno.lstat(path)).mode! & 0o7777;
}

/** Every entry under `dir`, relative, sorted (directories end with `/`). */
async function tree(dir: string, prefix = ""): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(`${dir}/${prefix}`)) {
    const path = `${prefix}${entry.name}`;
    if (entry.isDirectory) names.push(`${path}/`, ...await tree(dir, `${path}/`));
    else names.push(entry.isSymlink ? `${path}@` : path);
  }
  return names.sort();
}

/** Runs `body` with the process umask set to `mask`. */
async function withUmask(mask: number, body: () => Promise<void>): Promise<void> {
  const previous = Deno.umask(mask);
  try {
    await body();
  } finally {
    Deno.umask(previous);
  }
}

async function writeError(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof WriteError);
    return error.message;
  }
  assert.fail("no WriteError");
}

Deno.test("files get exactly the requested mode whatever the umask", async () => {
  for (const umask of [0o077, 0o000, 0o022]) {
    await withUmask(umask, async () => {
      await using dir = await tempDir();
      const modes = [0o600, 0o644, 0o640, 0o777, 0o400, 0o000];
      await writeFilesAtomically(
        dir.path,
        modes.map((mode) => file(`m${mode.toString(8)}`, "x", mode)),
      );
      for (const mode of modes) {
        assert.equal(await modeOf(`${dir.path}/m${mode.toString(8)}`), mode, `umask ${umask}`);
      }
    });
  }
});

Deno.test("setuid, setgid and sticky bits are dropped", async () => {
  await using dir = await tempDir();
  await writeFilesAtomically(dir.path, [
    file("setuid", "x", 0o4755),
    file("setgid", "x", 0o2644),
    file("sticky", "x", 0o1777),
    file("all", "x", 0o7777),
  ]);
  assert.deepEqual(
    await Promise.all(
      ["setuid", "setgid", "sticky", "all"].map((name) => modeOf(`${dir.path}/${name}`)),
    ),
    [0o755, 0o644, 0o777, 0o777],
  );
});

Deno.test("contents are written byte for byte, empty files included", async () => {
  await using dir = await tempDir();
  const binary = Uint8Array.from({ length: 256 }, (_, i) => i);
  const large = new Uint8Array(3 * 1024 * 1024).fill(0x61);
  await writeFilesAtomically(dir.path, [
    file("binary", binary),
    file("empty", ""),
    file("large", large),
  ]);
  assert.deepEqual(await Deno.readFile(`${dir.path}/binary`), binary);
  assert.deepEqual(await Deno.readFile(`${dir.path}/empty`), new Uint8Array(0));
  assert.deepEqual(await Deno.readFile(`${dir.path}/large`), large);
  assert.deepEqual(await tree(dir.path), ["binary", "empty", "large"]);
});

Deno.test("nested paths create their directories with mode 0755 whatever the umask", async () => {
  await withUmask(0o077, async () => {
    await using dir = await tempDir();
    await writeFilesAtomically(dir.path, [file("a/b/c.txt", "deep", 0o600), file("a/d.txt", "d")]);
    assert.deepEqual(await tree(dir.path), ["a/", "a/b/", "a/b/c.txt", "a/d.txt"]);
    assert.equal(await modeOf(`${dir.path}/a`), 0o755);
    assert.equal(await modeOf(`${dir.path}/a/b`), 0o755);
    assert.equal(await modeOf(`${dir.path}/a/b/c.txt`), 0o600);
    assert.equal(await Deno.readTextFile(`${dir.path}/a/b/c.txt`), "deep");
  });
});

Deno.test("an existing directory on the way is used as it is", async () => {
  await using dir = await tempDir();
  await Deno.mkdir(`${dir.path}/existing`, { mode: 0o700 });
  await Deno.chmod(`${dir.path}/existing`, 0o700);
  await writeFilesAtomically(dir.path, [file("existing/f", "x")]);
  assert.equal(await modeOf(`${dir.path}/existing`), 0o700);
  assert.equal(await Deno.readTextFile(`${dir.path}/existing/f`), "x");
});

Deno.test("a symbolic link on the way is refused and nothing is written through it", async () => {
  await using dir = await tempDir();
  await using outside = await tempDir();
  await Deno.symlink(outside.path, `${dir.path}/link`);
  const message = await writeError(
    writeFilesAtomically(dir.path, [file("first.txt", "1"), file("link/escape.txt", "x")]),
  );
  assert.equal(
    message,
    `failed to write link/escape.txt in ${dir.path}: ${dir.path}/link exists and is not a directory`,
  );
  assert.deepEqual(await tree(outside.path), []);
  assert.deepEqual(await tree(dir.path), ["link@"]);
});

Deno.test("a failing file leaves no temporary file and changes no destination", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/a.txt`, "old a");
  await Deno.writeTextFile(`${dir.path}/blocker`, "a file where a directory is needed");
  const message = await writeError(
    writeFilesAtomically(dir.path, [
      file("a.txt", "new a"),
      file("b.txt", "new b"),
      file("blocker/c.txt", "c"),
    ]),
  );
  assert.match(message, /^failed to write blocker\/c\.txt in /);
  assert.equal(await Deno.readTextFile(`${dir.path}/a.txt`), "old a");
  assert.deepEqual(await tree(dir.path), ["a.txt", "blocker"]);
});

Deno.test("a failing file also removes the directories created for the other files", async () => {
  await using dir = await tempDir();
  await Deno.mkdir(`${dir.path}/kept`);
  await Deno.writeTextFile(`${dir.path}/blocker`, "a file where a directory is needed");
  const message = await writeError(
    writeFilesAtomically(dir.path, [
      file("new/deeper/a.txt", "a"),
      file("kept/b.txt", "b"),
      file("blocker/c.txt", "c"),
    ]),
  );
  assert.match(message, /^failed to write blocker\/c\.txt in /);
  assert.deepEqual(await tree(dir.path), ["blocker", "kept/"]);
});

Deno.test("a destination that is a directory fails before any file is replaced", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/a.txt`, "old a");
  await Deno.mkdir(`${dir.path}/taken/inner`, { recursive: true });
  const message = await writeError(
    writeFilesAtomically(dir.path, [file("a.txt", "new a"), file("taken", "t")]),
  );
  assert.match(message, /^failed to write taken in /);
  assert.equal(await Deno.readTextFile(`${dir.path}/a.txt`), "old a");
  assert.deepEqual(await tree(dir.path), ["a.txt", "taken/", "taken/inner/"]);
});

Deno.test("a nested destination that is a directory fails; a link to a directory is replaced", async () => {
  await using dir = await tempDir();
  await Deno.mkdir(`${dir.path}/d/taken`, { recursive: true });
  const message = await writeError(
    writeFilesAtomically(dir.path, [file("top", "t"), file("d/taken", "x")]),
  );
  assert.match(message, /^failed to write d\/taken in .*d\/taken is a directory$/);
  assert.deepEqual(await tree(dir.path), ["d/", "d/taken/"]);
  // A symbolic link to a directory is not a directory: it is replaced, as by a rename.
  await Deno.symlink(`${dir.path}/d/taken`, `${dir.path}/link`);
  await writeFilesAtomically(dir.path, [file("link", "now a file")]);
  assert.equal((await Deno.lstat(`${dir.path}/link`)).isFile, true);
  assert.equal(await Deno.readTextFile(`${dir.path}/link`), "now a file");
});

Deno.test("an existing file is replaced by a new inode, so open readers keep the old content", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/secret`;
  await Deno.writeTextFile(path, "version 1");
  const before = (await Deno.stat(path)).ino;
  using reader = await Deno.open(path);
  await writeFilesAtomically(dir.path, [file("secret", "version 2", 0o600)]);
  assert.notEqual((await Deno.stat(path)).ino, before);
  assert.equal(await Deno.readTextFile(path), "version 2");
  assert.equal(await modeOf(path), 0o600);
  const old = new Uint8Array(20);
  const read = await reader.read(old);
  assert.equal(new TextDecoder().decode(old.subarray(0, read!)), "version 1");
  assert.deepEqual(await tree(dir.path), ["secret"]);
});

Deno.test("a symbolic link at the destination is replaced, not followed", async () => {
  await using dir = await tempDir();
  await using outside = await tempDir();
  await Deno.writeTextFile(`${outside.path}/target`, "outside");
  await Deno.symlink(`${outside.path}/target`, `${dir.path}/secret`);
  await writeFilesAtomically(dir.path, [file("secret", "inside")]);
  assert.equal(await Deno.readTextFile(`${outside.path}/target`), "outside");
  assert.equal((await Deno.lstat(`${dir.path}/secret`)).isFile, true);
  assert.equal(await Deno.readTextFile(`${dir.path}/secret`), "inside");
});

Deno.test("a remount leaves a file that holds its contents and mode as it is, and replaces the rest", async () => {
  await using dir = await tempDir();
  const files = [file("same", "v1"), file("content", "v1"), file("mode", "v1", 0o600)];
  await writeFilesAtomically(dir.path, [...files, file("d/nested", "v1")]);
  const inode = async (name: string) => (await Deno.lstat(`${dir.path}/${name}`)).ino;
  const before = await Promise.all(["same", "content", "mode", "d/nested"].map(inode));
  await writeFilesAtomically(dir.path, [
    file("same", "v1"),
    file("content", "v2"), // same size, other bytes
    file("mode", "v1", 0o640),
    file("d/nested", "v1"),
    file("new", "v1"),
  ]);
  const after = await Promise.all(["same", "content", "mode", "d/nested"].map(inode));
  assert.equal(after[0], before[0], "unchanged file kept");
  assert.notEqual(after[1], before[1], "changed contents replaced");
  assert.notEqual(after[2], before[2], "changed mode replaced");
  assert.equal(after[3], before[3], "unchanged nested file kept");
  assert.equal(await Deno.readTextFile(`${dir.path}/content`), "v2");
  assert.equal(await modeOf(`${dir.path}/mode`), 0o640);
  assert.equal(await Deno.readTextFile(`${dir.path}/new`), "v1");
  assert.deepEqual(await tree(dir.path), ["content", "d/", "d/nested", "mode", "new", "same"]);
});

Deno.test("a link at the destination to a file with the same contents is still replaced", async () => {
  await using dir = await tempDir();
  await using outside = await tempDir();
  await Deno.writeTextFile(`${dir.path}/other`, "x");
  await Deno.writeTextFile(`${outside.path}/target`, "inside");
  await Deno.chmod(`${outside.path}/target`, 0o644);
  await Deno.symlink(`${outside.path}/target`, `${dir.path}/secret`);
  await writeFilesAtomically(dir.path, [file("secret", "inside")]);
  assert.equal((await Deno.lstat(`${dir.path}/secret`)).isFile, true);
  assert.equal(await Deno.readTextFile(`${dir.path}/secret`), "inside");
});

/** `entries` of a volume at `root` that holds a file already (a remount). */
const remountOf = (root: string) => (path: string) =>
  Promise.resolve(new Map<string, boolean>(path === root ? [["old", false]] : []));

Deno.test("temporary files are hidden siblings of their destination, with names of fixed length", async () => {
  const written: string[] = [];
  const fs: WriterFs = {
    ...denoWriterFs,
    lstat: () => Promise.reject(new Deno.errors.NotFound("missing")),
    entries: remountOf("/mnt/target"),
    mkdir: () => Promise.resolve(),
    writeNew: (path) => {
      written.push(path);
      return Promise.resolve();
    },
    rename: () => Promise.resolve(),
  };
  await writeFilesAtomically("/mnt/target", [file("top", "x"), file("dir/nested", "y")], fs);
  assert.equal(written.length, 2);
  assert.match(written[0], /^\/mnt\/target\/\.provider\.tmp-[0-9a-f]{16}$/);
  assert.match(written[1], /^\/mnt\/target\/dir\/\.provider\.tmp-[0-9a-f]{16}$/);
});

Deno.test("a failed rename removes its temporary file; the renames run together", async () => {
  const renamed: string[] = [];
  const removed: string[] = [];
  const fs: WriterFs = {
    lstat: () => Promise.reject(new Deno.errors.NotFound("missing")),
    entries: remountOf("/t"),
    holds: () => Promise.resolve(false),
    mkdir: () => Promise.resolve(),
    writeNew: () => Promise.resolve(),
    rename: (_from, to) => {
      if (to.endsWith("/b")) return Promise.reject(new Error("EBUSY"));
      renamed.push(to);
      return Promise.resolve();
    },
    remove: (path) => {
      removed.push(path.replace(/[0-9a-f]{16}$/, "*"));
      return Promise.resolve();
    },
  };
  const message = await writeError(
    writeFilesAtomically("/t", [file("a", "1"), file("b", "2"), file("c", "3")], fs),
  );
  assert.equal(message, "failed to write b in /t: EBUSY");
  assert.deepEqual(renamed, ["/t/a", "/t/c"]);
  assert.deepEqual(removed, ["/t/.provider.tmp-*"]);
});

Deno.test("a permission error hints at --allow-write", async () => {
  const fs: WriterFs = {
    ...denoWriterFs,
    lstat: () => Promise.reject(new Deno.errors.NotFound("missing")),
    entries: () => Promise.resolve(new Map()),
    writeNew: () => Promise.reject(new Deno.errors.NotCapable('Requires write access to "/t"')),
    remove: () => Promise.resolve(),
  };
  assert.equal(
    await writeError(writeFilesAtomically("/t", [file("a", "1")], fs)),
    'failed to write a in /t: Requires write access to "/t" (is the mount directory covered by --allow-write?)',
  );
});

Deno.test("a file name of 255 bytes is written (its temporary name is short)", async () => {
  await using dir = await tempDir();
  const name = "n".repeat(255);
  await writeFilesAtomically(dir.path, [file(name, "long"), file(`d/${name}`, "nested")]);
  assert.equal(await Deno.readTextFile(`${dir.path}/${name}`), "long");
  assert.equal(await Deno.readTextFile(`${dir.path}/d/${name}`), "nested");
});

async function tempDir(): Promise<{ path: string } & AsyncDisposable> {
  const path = await Deno.makeTempDir({ prefix: "atomic_writer_test_" });
  return {
    path,
    [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }),
  };
}

Deno.test("hundreds of files written by synchronous calls still give the event loop turns", async () => {
  // Each call holds the thread for 0.2 ms, as a slow disk would: 600 of them
  // would hold the event loop for about 120 ms if nothing paused.
  const busy = () => {
    const until = performance.now() + 0.2;
    while (performance.now() < until) { /* a synchronous system call */ }
    return Promise.resolve();
  };
  const fs: WriterFs = {
    lstat: () => {
      busy();
      return Promise.reject(new Deno.errors.NotFound("missing"));
    },
    entries: () => busy().then(() => new Map()),
    holds: () => busy().then(() => false),
    mkdir: busy,
    writeNew: busy,
    rename: busy,
    remove: () => Promise.resolve(),
  };
  let turns = 0;
  const ticker = setInterval(() => turns++, 0);
  try {
    const files = Array.from({ length: 200 }, (_, i) => file(`f${i}`, "x"));
    await writeFilesAtomically("/t", files, fs);
  } finally {
    clearInterval(ticker);
  }
  assert.ok(turns >= 3, `the event loop had ${turns} turns during the write`);
});

Deno.test("into an empty volume (a first mount) files are created at their destinations, no rename", async () => {
  await using dir = await tempDir();
  const calls: string[] = [];
  const fs: WriterFs = {
    ...denoWriterFs,
    writeNew: (path, contents, mode) => {
      calls.push(`writeNew ${path.slice(dir.path.length)}`);
      return denoWriterFs.writeNew(path, contents, mode);
    },
    rename: (from, to) => {
      calls.push(`rename ${to}`);
      return denoWriterFs.rename(from, to);
    },
  };
  await writeFilesAtomically(dir.path, [file("a", "1", 0o600), file("d/b", "2")], fs);
  assert.deepEqual(calls, ["writeNew /a", "writeNew /d/b"]);
  assert.deepEqual(await tree(dir.path), ["a", "d/", "d/b"]);
  assert.equal(await modeOf(`${dir.path}/a`), 0o600);
  assert.equal(await Deno.readTextFile(`${dir.path}/d/b`), "2");
  // The next mount of the same volume (a remount) goes through temporary files and renames.
  calls.length = 0;
  await writeFilesAtomically(dir.path, [file("a", "3", 0o600)], fs);
  assert.equal(calls.length, 2);
  assert.match(calls[0], /^writeNew \/\.provider\.tmp-[0-9a-f]{16}$/);
  assert.equal(calls[1], `rename ${dir.path}/a`);
  assert.equal(await Deno.readTextFile(`${dir.path}/a`), "3");
});

Deno.test("a failed first mount removes every file and directory it created: the volume is empty again", async () => {
  await using dir = await tempDir();
  const fs: WriterFs = {
    ...denoWriterFs,
    writeNew: (path, contents, mode) =>
      path.endsWith("/c")
        ? Promise.reject(new Error("ENOSPC"))
        : denoWriterFs.writeNew(path, contents, mode),
  };
  const message = await writeError(
    writeFilesAtomically(dir.path, [file("a", "1"), file("d/b", "2"), file("c", "3")], fs),
  );
  assert.equal(message, `failed to write c in ${dir.path}: ENOSPC`);
  assert.deepEqual(await tree(dir.path), []);
});

Deno.test("a first mount never overwrites: a file that appeared meanwhile fails it and is left alone", async () => {
  await using dir = await tempDir();
  const fs: WriterFs = {
    ...denoWriterFs,
    // The listing saw an empty volume; another writer created "b" since.
    entries: () => Promise.resolve(new Map()),
  };
  await Deno.writeTextFile(`${dir.path}/b`, "someone else's");
  const message = await writeError(
    writeFilesAtomically(dir.path, [file("a", "1"), file("b", "2")], fs),
  );
  assert.match(message, /^failed to write b in /);
  assert.deepEqual(await tree(dir.path), ["b"]);
  assert.equal(await Deno.readTextFile(`${dir.path}/b`), "someone else's");
});

Deno.test("a remount whose compare fails writes the file", async () => {
  const written: string[] = [];
  const renamed: string[] = [];
  const fs: WriterFs = {
    ...denoWriterFs,
    entries: remountOf("/t"),
    holds: () => Promise.reject(new Deno.errors.PermissionDenied("read")),
    writeNew: (path) => {
      written.push(path.replace(/[0-9a-f]{16}$/, "*"));
      return Promise.resolve();
    },
    rename: (_from, to) => {
      renamed.push(to);
      return Promise.resolve();
    },
  };
  await writeFilesAtomically("/t", [file("old", "1")], fs);
  assert.deepEqual(written, ["/t/.provider.tmp-*"]);
  assert.deepEqual(renamed, ["/t/old"]);
});
