import assert from "node:assert/strict";
import { countDescriptors, onlyVanishedDescriptors, sampleProcess } from "./process_sample.ts";

Deno.test("countDescriptors counts the links and the sockets among them", () => {
  const listing = [
    "total 0",
    "lrwx------ 1 root root 64 Dec  2 15:20 0 -> /dev/null",
    "lrwx------ 1 root root 64 Dec  2 15:20 1 -> pipe:[123]",
    "lrwx------ 1 root root 64 Dec  2 15:20 7 -> socket:[456]",
    "lrwx------ 1 root root 64 Dec  2 15:20 9 -> socket:[789]",
    "",
  ].join("\n");
  assert.deepEqual(countDescriptors(listing), { fds: 4, sockets: 2 });
  assert.deepEqual(countDescriptors("total 0\n"), { fds: 0, sockets: 0 });
});

Deno.test("onlyVanishedDescriptors accepts descriptors closed mid-listing and nothing else", () => {
  const vanished = (fd: number, pid = 42, ls = "/usr/bin/ls") =>
    `${ls}: cannot access '/proc/${pid}/fd/${fd}': No such file or directory`;
  assert(onlyVanishedDescriptors(`${vanished(74)}\n`, 42));
  assert(onlyVanishedDescriptors(`${vanished(3, 42, "ls")}\n${vanished(4)}\n`, 42));
  // Another process's descriptor, the process itself gone, other errors, no complaint at all.
  assert.ok(!onlyVanishedDescriptors(`${vanished(74, 43)}\n`, 42));
  assert.ok(
    !onlyVanishedDescriptors(
      "ls: cannot access '/proc/42/fd': No such file or directory\n",
      42,
    ),
  );
  assert.ok(
    !onlyVanishedDescriptors(`${vanished(3)}\nls: cannot open directory: Permission denied\n`, 42),
  );
  assert.ok(!onlyVanishedDescriptors("", 42));
});

Deno.test("sampleProcess samples a process that opens and closes descriptors all the time", async () => {
  // Python opens and closes its lowest free descriptor (3) in a tight loop, so
  // `ls` often finds an entry gone by the time it reads the link (what failed a
  // soak in CI).
  const child = new Deno.Command("python3", {
    args: [
      "-c",
      "import os\nprint('ready', flush=True)\nwhile True: os.close(os.open('/dev/null', os.O_RDONLY))",
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.getReader();
  try {
    // Sampled from when the loop runs (not while an interpreter starts up).
    assert.match(new TextDecoder().decode((await reader.read()).value), /ready/);
    const counts = new Set<number>();
    for (let i = 0; i < 200; i++) {
      const taken = await sampleProcess(child.pid);
      assert.ok(taken.rssMiB > 0, `rss ${taken.rssMiB}`);
      assert.equal(taken.sockets, 0);
      assert.equal(taken.otherFds, taken.fds);
      counts.add(taken.fds);
    }
    // Only the churned descriptor comes and goes (what else is open depends on
    // what the child inherits).
    const [least, most] = [Math.min(...counts), Math.max(...counts)];
    assert.ok(least >= 3 && most - least <= 1, `descriptor counts ${[...counts]}`);
  } finally {
    child.kill("SIGKILL");
    await child.status;
    await reader.cancel();
  }
});

Deno.test("sampleProcess fails for a process that is gone", async () => {
  const child = new Deno.Command("true", { stdout: "null", stderr: "null" }).spawn();
  await child.status;
  await assert.rejects(sampleProcess(child.pid), /No such file or directory/);
});
