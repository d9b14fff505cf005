/** Tests of the pod volumes' tmpfs: mounted when possible, always released, the fallback says why. */

import assert from "node:assert/strict";
import { type PodVolumes, preparePodVolumes } from "./pod_volumes.ts";

Deno.test("preparePodVolumes: --no-mount-tmpfs uses the directory as it is", async () => {
  const parent = await Deno.makeTempDir({ prefix: "volumes-parent-" });
  try {
    const volumes = await preparePodVolumes("off", parent, { offReason: "--no-mount-tmpfs" });
    assert.equal(volumes.dir, parent);
    assert.equal(volumes.tmpfsMounted, false);
    assert.equal(volumes.reason, "--no-mount-tmpfs");
    await volumes.release();
    assert.ok((await Deno.stat(parent)).isDirectory, "the directory is left alone");
  } finally {
    await Deno.remove(parent, { recursive: true });
  }
});

Deno.test("preparePodVolumes: auto mounts a tmpfs when it can, and release unmounts it", async () => {
  const parent = await Deno.makeTempDir({ prefix: "volumes-parent-" });
  let volumes: PodVolumes | undefined;
  try {
    const mounted = await preparePodVolumes("auto", parent);
    volumes = mounted;
    if (!mounted.tmpfsMounted) {
      // Not root, not Linux, or no mount(8) here: the fallback says why.
      assert.equal(mounted.dir, parent);
      assert.ok(mounted.reason && mounted.reason.length > 0);
      await assert.rejects(
        () => preparePodVolumes("on", parent),
        /cannot mount a tmpfs for the pod volumes: /,
      );
      return;
    }
    assert.notEqual(mounted.dir, parent);
    assert.ok(mounted.dir.startsWith(`${parent}/pod-volumes-`));
    // A mount point is on another device than its parent (reading /proc/self/mounts
    // would need --allow-all), and df names the file system.
    const device = async (path: string) => (await Deno.stat(path)).dev;
    assert.notEqual(await device(mounted.dir), await device(parent));
    const df = await new Deno.Command("df", { args: ["--output=fstype", mounted.dir] }).output();
    assert.match(new TextDecoder().decode(df.stdout), /tmpfs/);
    await Deno.writeTextFile(`${mounted.dir}/file`, "x");
    await mounted.release();
    await mounted.release(); // twice is fine
    await assert.rejects(() => Deno.stat(mounted.dir), Deno.errors.NotFound);
  } finally {
    // Never leave a tmpfs mounted behind, even when an assertion failed.
    await volumes?.release();
    await Deno.remove(parent, { recursive: true });
  }
});
