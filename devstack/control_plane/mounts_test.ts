import assert from "node:assert/strict";
import { mountPointsUnder } from "./mounts.ts";

Deno.test("mount points under a root are listed deepest first, escapes decoded", () => {
  const mountinfo = [
    "22 1 0:21 / / rw - overlay overlay rw",
    "30 22 0:40 / /tmp/cp/node/a/mount rw - tmpfs tmpfs rw",
    "31 22 0:41 / /tmp/cp/node/a/b/mount rw - tmpfs tmpfs rw",
    "32 22 0:42 / /tmp/cp/node\\040x/mount rw - tmpfs tmpfs rw",
    "33 22 0:43 / /tmp/cp/nodeother rw - tmpfs tmpfs rw",
    "",
  ].join("\n");
  assert.deepEqual(mountPointsUnder(mountinfo, "/tmp/cp/node"), [
    "/tmp/cp/node/a/b/mount",
    "/tmp/cp/node/a/mount",
  ]);
  assert.deepEqual(mountPointsUnder(mountinfo, "/tmp/cp/node x"), ["/tmp/cp/node x/mount"]);
});
