import assert from "node:assert/strict";
import { baseEnvironment, freePort, spawnChild, waitUntilReady } from "./child_process.ts";

Deno.test("every line a child prints is kept, stdout and stderr", async () => {
  const child = spawnChild("sh", "sh", {
    args: ["-c", "echo one; echo two >&2; printf three"],
    env: baseEnvironment(),
  });
  assert.equal(await child.exited, 0);
  assert.deepEqual(child.lines().sort(), ["one", "three", "two"]);
  assert.equal(child.running(), false);
});

Deno.test("stop sends SIGTERM, then SIGKILL to a child that ignores it", async () => {
  const child = spawnChild("stubborn", "sh", {
    args: ["-c", "trap '' TERM; echo up; while true; do sleep 0.1; done"],
    env: baseEnvironment(),
    stopTimeoutMs: 300,
  });
  await waitUntilReady(child, "up", () => Promise.resolve(child.lines().includes("up")));
  const started = performance.now();
  assert.equal(await child.stop(), 137);
  assert.ok(performance.now() - started >= 250);
  assert.equal(await child.stop(), 137, "a second stop returns the same");
});

Deno.test("waiting fails with the child's output when it exits first", async () => {
  const child = spawnChild("short", "sh", {
    args: ["-c", "echo bye; exit 3"],
    env: baseEnvironment(),
  });
  await child.exited;
  await assert.rejects(
    waitUntilReady(child, "readiness", () => Promise.resolve(false)),
    /short exited before readiness:\nbye/,
  );
});

Deno.test("a free port can be listened on", () => {
  const port = freePort();
  const listener = Deno.listen({ hostname: "127.0.0.1", port });
  listener.close();
});
