/**
 * Sandbox proof: a probe runs with exactly the provider's production
 * permission flags (`permissionFlags()`, as in `deno task start`, the image
 * and the chart), with temporary directories standing in for the provider
 * volume and the kubelet's pods directory and one loopback listener as the
 * only extra host. Everything outside those is refused by Deno before any
 * I/O; the few things the provider needs work.
 */

import assert from "node:assert/strict";
import { DEFAULT_PERMISSIONS, permissionFlags } from "../../src/cli/permissions.ts";
import type { ProbeConfig, ProbeResult } from "./probe.ts";

const REPO_ROOT = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");
const PROBE = new URL("./probe.ts", import.meta.url).pathname;

/** A loopback or Unix listener that greets every connection with `greeting`. */
function greeter(options: Deno.ListenOptions | Deno.UnixListenOptions, greeting: string) {
  const listener = "path" in options
    ? Deno.listen({ ...options, transport: "unix" })
    : Deno.listen(options as Deno.TcpListenOptions);
  (async () => {
    for await (const connection of listener) {
      await connection.write(new TextEncoder().encode(greeting)).catch(() => {});
      connection.close();
    }
  })().catch(() => {});
  return listener;
}

async function runProbe(): Promise<{ results: Record<string, ProbeResult>; flags: string[] }> {
  const providerVolume = await Deno.makeTempDir({ prefix: "sandbox-volume-" });
  const mountRoot = await Deno.makeTempDir({ prefix: "sandbox-pods-" });
  const outsideDir = await Deno.makeTempDir({ prefix: "sandbox-outside-" });
  await Deno.writeTextFile(`${outsideDir}/secret.txt`, "outside the sandbox");
  await Deno.writeTextFile(`${outsideDir}/module.js`, "export const leaked = true;\n");
  await Deno.symlink(`${outsideDir}/secret.txt`, `${providerVolume}/link`);
  const allowed = greeter({ hostname: "127.0.0.1", port: 0 }, "allowed");
  const other = greeter({ hostname: "127.0.0.1", port: 0 }, "other");
  const outsideSocket = greeter({ path: `${outsideDir}/other.sock` }, "outside");
  const neighbourSocket = greeter({ path: `${providerVolume}/neighbour.sock` }, "neighbour");
  const allowedPort = (allowed.addr as Deno.NetAddr).port;
  const flags = permissionFlags({
    ...DEFAULT_PERMISSIONS,
    providerVolume,
    kubeletPodsDir: mountRoot,
    protoDir: `${REPO_ROOT}/proto`,
    netHosts: [...DEFAULT_PERMISSIONS.netHosts, `127.0.0.1:${allowedPort}`],
  });
  const config: ProbeConfig = {
    providerVolume,
    mountRoot,
    protoFile: `${REPO_ROOT}/proto/v1alpha1/service.proto`,
    repoFile: `${REPO_ROOT}/src/main.ts`,
    outsideDir,
    symlinkInVolume: `${providerVolume}/link`,
    allowedPort,
    otherPort: (other.addr as Deno.NetAddr).port,
    otherUnixSocket: `${outsideDir}/other.sock`,
    neighbourUnixSocket: `${providerVolume}/neighbour.sock`,
    parentPid: Deno.pid,
  };
  const env: Record<string, string> = {
    AWS_REGION: "us-sandbox-1",
    KUBERNETES_SERVICE_HOST: "10.96.0.1",
    SANDBOX_CANARY: "must-not-be-readable",
  };
  for (const name of ["HOME", "PATH", "DENO_DIR"]) {
    const value = Deno.env.get(name);
    if (value !== undefined) env[name] = value;
  }
  try {
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["run", ...flags, PROBE, JSON.stringify(config)],
      cwd: REPO_ROOT,
      env,
      clearEnv: true,
      stdin: "null",
    }).output();
    const stdout = new TextDecoder().decode(output.stdout);
    assert.equal(output.code, 0, `probe failed:\n${new TextDecoder().decode(output.stderr)}`);
    const results = JSON.parse(stdout) as Record<string, ProbeResult>;
    // Nothing the probe was refused may have happened anyway (no file, no child's file).
    assert.deepEqual(
      [...Deno.readDirSync(outsideDir)].map((entry) => entry.name).sort(),
      ["module.js", "other.sock", "secret.txt"],
    );
    assert.equal(Deno.readTextFileSync(`${outsideDir}/secret.txt`), "outside the sandbox");
    await assert.rejects(Deno.lstat(`${REPO_ROOT}/src/main.ts.probe`));
    await assert.rejects(Deno.lstat(`${providerVolume}/../escape.txt`));
    return { results, flags };
  } finally {
    for (const listener of [allowed, other, outsideSocket, neighbourSocket]) listener.close();
    for (const dir of [providerVolume, mountRoot, outsideDir]) {
      await Deno.remove(dir, { recursive: true });
    }
  }
}

function refused(results: Record<string, ProbeResult>, name: string): void {
  const result = results[name];
  assert.ok(result !== undefined, `the probe did not try "${name}"`);
  assert.equal(result.ok, false, `"${name}" worked: ${result.value}`);
  assert.match(
    `${result.error}: ${result.message}`,
    /NotCapable|Requires \w+ access/,
    `"${name}" failed, but not by a permission check`,
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
      assert.ok(Number(worked(results, "read proto/")) > 0);
      // The metrics listener: allowed (a port already in use still passed the permission check).
      const metrics = results["listen on 0.0.0.0:8989 (metrics)"];
      assert.ok(metrics.ok || metrics.error === "AddrInUse", JSON.stringify(metrics));
    });

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
