/**
 * Runs the sandbox probe (`probe.ts`) as the sandbox test does — with exactly
 * the provider's production permission flags, temporary directories standing
 * in for the provider volume and the kubelet's pods directory, and one
 * loopback listener as the only extra host — and counts what it found.
 *
 * ```sh
 * deno run -A test/sandbox/probe_run.ts   # prints the counts docs/TESTING.md quotes
 * ```
 *
 * @module
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

/** What the probe found, and the flags it ran with. */
export interface ProbeRun {
  /** Each attempt by name. */
  results: Record<string, ProbeResult>;
  /** The `deno run` permission flags. */
  flags: string[];
}

/**
 * Runs the probe; also checks that nothing it was refused happened anyway
 * (no file, no child's file outside, the secret file unchanged).
 */
export async function runProbe(): Promise<ProbeRun> {
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

/** A permission check refused it: Deno's `NotCapable`, or a `Requires ... access` message. */
export function refusedByPermission(result: ProbeResult): boolean {
  return !result.ok && /NotCapable|Requires \w+ access/.test(`${result.error}: ${result.message}`);
}

/** The probe's attempts counted the way docs/TESTING.md states them. */
export interface ProbeCounts {
  /** Attempts in all. */
  attempts: number;
  /** Refused by a permission check. */
  refused: number;
  /**
   * Allowed: worked, or passed the permission check and then failed for
   * another reason (the metrics port already in use on this machine).
   */
  allowed: number;
  /** Failed, but not by a permission check (nothing happened: see the test). */
  otherwise: string[];
}

/** Counts `results` into refused, allowed and failing otherwise. */
export function countProbe(results: Record<string, ProbeResult>): ProbeCounts {
  const counts: ProbeCounts = { attempts: 0, refused: 0, allowed: 0, otherwise: [] };
  for (const [name, result] of Object.entries(results)) {
    counts.attempts++;
    if (result.ok || result.error === "AddrInUse") counts.allowed++;
    else if (refusedByPermission(result)) counts.refused++;
    else counts.otherwise.push(name);
  }
  return counts;
}

/** The sentence docs/TESTING.md quotes, e.g. `52 attempts: 36 refused by a permission check, ...`. */
export function describeCounts(counts: ProbeCounts): string {
  return `${counts.attempts} attempts: ${counts.refused} refused by a permission check, ` +
    `${counts.allowed} allowed, ${counts.otherwise.length} failing otherwise (${
      counts.otherwise.join(", ")
    })`;
}

if (import.meta.main) {
  const { results, flags } = await runProbe();
  console.log(`deno run ${flags.join(" ")} test/sandbox/probe.ts`);
  for (const [name, result] of Object.entries(results)) {
    const verdict = result.ok
      ? "allowed"
      : refusedByPermission(result)
      ? "refused"
      : `failed: ${result.error}`;
    console.log(`  ${verdict.padEnd(24)} ${name}`);
  }
  console.log(describeCounts(countProbe(results)));
}
