/**
 * Sandbox proof: a probe runs with exactly the provider's production
 * permission flags (`permissionFlags()`, as in `deno task start`, the image
 * and the chart), with temporary directories standing in for the provider
 * volume and the kubelet's pods directory and one loopback listener as the
 * only extra host. Everything outside those is refused by Deno before any
 * I/O; the few things the provider needs work.
 */

import assert from "node:assert/strict";
import type { ProbeResult } from "./probe.ts";
import { countProbe, describeCounts, refusedByPermission, runProbe } from "./probe_run.ts";

const TESTING_DOC = new URL("../../docs/TESTING.md", import.meta.url);

function refused(results: Record<string, ProbeResult>, name: string): void {
  const result = results[name];
  assert.ok(result !== undefined, `the probe did not try "${name}"`);
  assert.equal(result.ok, false, `"${name}" worked: ${result.value}`);
  assert.ok(
    refusedByPermission(result),
    `"${name}" failed, but not by a permission check: ${result.error}: ${result.message}`,
  );
}

function worked(results: Record<string, ProbeResult>, name: string): string | undefined {
  const result = results[name];
  assert.ok(result !== undefined, `the probe did not try "${name}"`);
  assert.equal(result.ok, true, `"${name}" failed: ${result.error}: ${result.message}`);
  return result.value;
}

Deno.test({
  name: "the production permission flags confine the provider",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const { results, flags } = await runProbe();

    await t.step("the flags are the production set: no blanket permission", () => {
      assert.ok(flags.includes("--no-prompt") && flags.includes("--ignore-env"));
      for (const flag of flags) {
        assert.ok(!/^--allow-(all|run|ffi|import)|^-A$/.test(flag), flag);
        assert.ok(!/^--allow-\w+$/.test(flag), `unscoped ${flag}`);
      }
    });

    await t.step("reading outside the allowed paths is refused", () => {
      for (
        const name of [
          "read /etc/hostname",
          "read /proc/self/environ",
          "read a file outside",
          "list a directory outside",
          "stat a file outside",
          "read the repository's src/",
          "import a module outside",
          // The gRPC codec is hand-written: the provider has no reason to read the .proto.
          "read proto/",
        ]
      ) refused(results, name);
    });

    await t.step("writing outside the socket and mount directories is refused", () => {
      for (
        const name of [
          "write a file outside",
          "write into the repository",
          "write next to the volume (../)",
          "write next to the mount root (../)",
          "make a directory outside",
          "remove a file outside",
          "chmod a file outside",
          "symlink from the mount root to outside",
        ]
      ) refused(results, name);
    });

    await t.step("hosts, ports and sockets that are not allowed are refused", () => {
      for (
        const name of [
          "listen on another socket in the volume",
          "connect to another socket in the volume",
          "connect to a Unix socket outside",
          "connect to another port on 127.0.0.1",
          "connect to 127.0.0.2",
          "connect to localhost (not the allowed name)",
          "connect to [::1]",
          "fetch from another port",
          "resolve DNS through 127.0.0.2",
          "listen on 127.0.0.1",
          "listen on 0.0.0.0, another port",
          "listen on [::], another port",
        ]
      ) refused(results, name);
    });

    await t.step("subprocesses, signals and FFI are refused", () => {
      for (
        const name of [
          "run a subprocess",
          "run deno itself",
          "signal another process",
          "load a library (FFI)",
        ]
      ) refused(results, name);
      // No permission error comes back here, but no child ran (outsideDir holds no file of it).
      assert.equal(results["run through node:child_process"]?.ok, false);
    });

    await t.step("system information beyond osRelease, homedir and uid is refused", () => {
      for (
        const name of [
          "sys hostname",
          "sys networkInterfaces",
          "sys loadavg",
          "sys systemMemoryInfo",
          "sys osUptime",
          "sys gid",
        ]
      ) refused(results, name);
      worked(results, "sys osRelease");
      assert.equal(worked(results, "sys uid"), String(Deno.uid()));
      worked(results, "sys homedir");
    });

    await t.step("environment variables other than the allowed ones read as unset", () => {
      assert.equal(worked(results, "env HOME"), "undefined");
      assert.equal(worked(results, "env PATH"), "undefined");
      assert.equal(worked(results, "env SANDBOX_CANARY"), "undefined");
      assert.equal(worked(results, "env AWS_REGION"), "us-sandbox-1");
      assert.equal(worked(results, "env KUBERNETES_SERVICE_HOST"), "10.96.0.1");
      assert.equal(worked(results, "env names"), "AWS_REGION,KUBERNETES_SERVICE_HOST");
    });

    await t.step("what the provider needs works", () => {
      assert.equal(worked(results, "listen on <volume>/aws.sock and connect to it"), "aws.sock");
      assert.equal(worked(results, "write under the mount root"), "written");
      assert.equal(worked(results, "connect to the allowed host:port"), "allowed");
      // The metrics listener: allowed (a port already in use still passed the permission check).
      for (
        const name of [
          "listen on 0.0.0.0:8989 (metrics)",
          "listen on [::]:8989 (metrics, dual stack)",
        ]
      ) {
        const metrics = results[name];
        assert.ok(
          metrics.ok || metrics.error === "AddrInUse",
          `${name}: ${JSON.stringify(metrics)}`,
        );
      }
    });

    await t.step(
      "docs/TESTING.md states the probe's counts (deno run -A test/sandbox/probe_run.ts)",
      async () => {
        const counts = countProbe(results);
        // The one attempt that fails without a permission error; no child ran (checked above).
        assert.deepEqual(counts.otherwise, ["run through node:child_process"]);
        const sentence = describeCounts(counts);
        const doc = (await Deno.readTextFile(TESTING_DOC)).replace(/\s+/g, " ");
        assert.ok(doc.includes(sentence), `docs/TESTING.md should say: ${sentence}`);
      },
    );

    await t.step(
      "known limit: Deno checks a path as written, so a symlink placed inside an allowed directory is followed",
      () => {
        // Only root on the node can place one in the provider volume; the atomic
        // writer refuses symlinks on its way into a mount (atomic_writer_test.ts,
        // and the mount fuzzing puts one in every other fuzzed mount).
        assert.equal(
          worked(results, "read through a symlink in the volume"),
          "outside the sandbox",
        );
      },
    );
  },
});
