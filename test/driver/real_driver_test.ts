/**
 * The provider proven against the Secrets Store CSI driver's own code: every
 * mount goes through the Go harness in `e2e/driver_harness/`, built against
 * driver v1.6.0 (grpc-go v1.79.3, `:authority: localhost`) and driver v1.5.6
 * (grpc-go v1.56.3, the raw socket path as `:authority`). The harness builds
 * the attributes as `NodePublishVolume` does, calls `MountContent` (which
 * validates the answer and, in driver-writes mode, writes the files with the
 * driver's atomic writer) and lists the mount with `GetMountedFiles`.
 *
 * One moto (two regions, behind the fault proxy), one Kubernetes API and two
 * provider processes — one per write mode, started as the DaemonSet starts
 * them — are shared by both driver versions; every scenario uses its own
 * secret names. A failed mount prints the driver's own error text, the
 * harness's stderr and the provider's log.
 */

import assert from "node:assert/strict";
import {
  DEFAULT_POD,
  type DriverHarness,
  type DriverVersion,
  ensureDriverHarness,
  FAILOVER_REGION,
  type MountCommand,
  type MountFailure,
  type MountResult,
  type MountSuccess,
  PRIMARY_REGION,
  type Stack as DevStack,
  startDriverHarness,
  startStack,
  type TestProvider,
} from "../../devstack/mod.ts";
import { PROVIDER_VERSION } from "../../src/version.ts";

type WriteMode = "provider-writes" | "driver-writes";
const WRITE_MODES: WriteMode[] = ["provider-writes", "driver-writes"];

/**
 * The default pod's CSI volumes directory under the provider's kubelet pods
 * directory: the harness makes each fresh target path `<volume>/mount` in it,
 * the kubelet's layout the provider requires.
 */
async function kubeletCsiVolumes(podsDir: string): Promise<string> {
  const path = `${podsDir}/${DEFAULT_POD.uid}/volumes/kubernetes.io~csi`;
  await Deno.mkdir(path, { recursive: true });
  return path;
}

/** What each harness build must report. */
const BUILDS: Record<DriverVersion, { driverModule: string; grpcModule: string }> = {
  "v1.6": { driverModule: "v1.6.0", grpcModule: "v1.79.3" },
  "v1.5": { driverModule: "v1.5.6", grpcModule: "v1.56.3" },
};

/** The driver's atomic writer's timestamped data directory. */
const DATA_DIR = /^\.\.\d{4}_\d{2}_\d{2}_\d{2}_\d{2}_\d{2}\.\d+$/;

/** The shared dev stack and its two providers, replaced when a scenario restarts one. */
interface Stack {
  dev: DevStack;
  providers: Record<WriteMode, TestProvider>;
}

/** One driver version talking to one provider. */
interface Scene {
  version: DriverVersion;
  mode: WriteMode;
  /** Short, unique per version and mode: for secret names. */
  tag: string;
  harness: DriverHarness;
  stack: Stack;
}

const PROVIDER_ENV = { AWS_MAX_ATTEMPTS: "2" };

function startProvider(
  stack: Pick<Stack, "dev">,
  mode: WriteMode,
  reuse?: TestProvider,
): Promise<TestProvider> {
  return stack.dev.startProvider({
    driverWritesSecrets: mode === "driver-writes",
    env: PROVIDER_ENV,
    ...(reuse
      ? { providerVolume: reuse.process.providerVolume, mountRoot: reuse.process.mountRoot }
      : {}),
  });
}

function tail(lines: string[], count: number): string {
  return lines.slice(-count).join("\n");
}

function diagnostics(scene: Scene): string {
  return `--- driver harness ${scene.version} stderr (tail) ---\n${
    tail(scene.harness.stderr().split("\n"), 30)
  }\n--- provider (${scene.mode}) log (tail) ---\n${
    tail(scene.stack.providers[scene.mode].process.lines(), 30)
  }`;
}

/** The mount must have succeeded; otherwise fail with the driver's own error text. */
function expectMounted(scene: Scene, result: MountResult): MountSuccess {
  if (result.ok) return result;
  throw new Error(
    `driver ${scene.version} (${scene.mode}): MountContent failed: ${result.error}` +
      ` (errorCode ${result.errorCode || "none"})\n${diagnostics(scene)}`,
  );
}

/** The mount must have failed. */
function expectFailed(scene: Scene, result: MountResult): MountFailure {
  if (!result.ok) return result;
  throw new Error(
    `driver ${scene.version} (${scene.mode}): the mount succeeded but should have failed: ${
      JSON.stringify(result.objectVersions)
    }\n${diagnostics(scene)}`,
  );
}

/** A mount through the driver that must succeed; healthy mounts take well under a second. */
async function mount(scene: Scene, command: MountCommand): Promise<MountSuccess> {
  return expectMounted(
    scene,
    await scene.harness.mount({ readContents: true, timeoutMs: 10_000, ...command }),
  );
}

/** Fails at once (with its log) when the provider process has died, instead of waiting on deadlines. */
async function assertProviderRunning(scene: Scene): Promise<void> {
  const provider = scene.stack.providers[scene.mode];
  const code = await Promise.race([provider.process.exited, Promise.resolve(undefined)]);
  if (code !== undefined) {
    throw new Error(
      `the ${scene.mode} provider exited with code ${code}:\n${tail(provider.process.lines(), 40)}`,
    );
  }
}

function parameters(objects: string, extra: Record<string, string> = {}): Record<string, string> {
  return { region: PRIMARY_REGION, objects, ...extra };
}

/** Relative path → contents as text. */
function texts(result: MountResult): Record<string, string> {
  return Object.fromEntries(
    result.files.map((file) => {
      assert.equal(file.error, undefined, `${file.path}: ${file.error}`);
      const bytes = Uint8Array.from(atob(file.contents ?? ""), (c) => c.charCodeAt(0));
      return [file.path, new TextDecoder().decode(bytes)];
    }),
  );
}

/** Relative path → permission bits. */
function modes(result: MountResult): Record<string, number> {
  return Object.fromEntries(result.files.map((file) => [file.path, file.mode]));
}

async function sha256(data: string | Uint8Array<ArrayBuffer>): Promise<string> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Checks who wrote the files and how: in provider-writes mode plain files in
 * the target dir and no `..data`; in driver-writes mode the atomic writer's
 * layout, `..data` → `..<timestamp>` and each top-level name → `..data/<name>`.
 * Returns the data dir in driver-writes mode.
 */
async function assertLayout(
  mode: WriteMode,
  result: MountSuccess,
  topLevel: string[],
): Promise<string | undefined> {
  const entries: string[] = [];
  for await (const entry of Deno.readDir(result.targetPath)) entries.push(entry.name);
  if (mode === "provider-writes") {
    assert.equal(
      result.driverWroteFiles,
      false,
      "the driver must not write in provider-writes mode",
    );
    assert.deepEqual(entries.sort(), [...topLevel].sort());
    for (const name of topLevel) {
      assert.ok(!(await Deno.lstat(`${result.targetPath}/${name}`)).isSymlink, name);
    }
    return undefined;
  }
  assert.equal(result.driverWroteFiles, true, "the driver's atomic writer must have written");
  const dataDir = await Deno.readLink(`${result.targetPath}/..data`);
  assert.match(dataDir, DATA_DIR);
  assert.deepEqual(entries.sort(), [...topLevel, "..data", dataDir].sort());
  for (const name of topLevel) {
    assert.ok((await Deno.lstat(`${result.targetPath}/${name}`)).isSymlink, name);
    assert.equal(await Deno.readLink(`${result.targetPath}/${name}`), `..data/${name}`);
  }
  return dataDir;
}

Deno.test({
  name: "the CSI driver's own client code (v1.6.0 and v1.5.6) mounts from the provider",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    // Build both harnesses first (no-ops when up to date), so a build error is reported as such.
    await Promise.all([ensureDriverHarness("v1.6"), ensureDriverHarness("v1.5")]);
    await using dev = await startStack({ provider: false });
    const base = { dev };
    const providers: Partial<Record<WriteMode, TestProvider>> = {};
    try {
      for (const mode of WRITE_MODES) providers[mode] = await startProvider(base, mode);
      const stack: Stack = { ...base, providers: providers as Record<WriteMode, TestProvider> };
      for (const version of ["v1.6", "v1.5"] as const) {
        await t.step(`driver ${BUILDS[version].driverModule}`, (t) => scenarios(t, stack, version));
      }
    } finally {
      dev.proxy.clearFaults();
      await Promise.all(
        Object.values(providers).map(async (provider) => {
          await provider.stop();
          for (const dir of [provider.process.mountRoot, provider.process.providerVolume]) {
            await Deno.remove(dir, { recursive: true }).catch(() => {});
          }
        }),
      );
    }
  },
});

async function scenarios(
  t: Deno.TestContext,
  stack: Stack,
  version: DriverVersion,
): Promise<void> {
  const { seeder, proxy } = stack.dev;
  const v = version.replace(".", "");
  const scenes = {} as Record<WriteMode, Scene>;
  for (const mode of WRITE_MODES) {
    const tag = `rd-${v}-${mode === "provider-writes" ? "pw" : "dw"}`;
    const provider = stack.providers[mode];
    scenes[mode] = {
      version,
      mode,
      tag,
      stack,
      // Fresh target dirs go under the provider's mount root: the only place it may write.
      harness: await startDriverHarness(version, {
        providerDir: provider.process.providerVolume,
        workDir: await kubeletCsiVolumes(provider.process.mountRoot),
      }),
    };
    // The leak proof (at the provider's stop) checks what the driver reported too.
    provider.watch(`driver harness ${version}`, scenes[mode].harness);
  }
  /** One step per write mode. */
  const each = async (name: string, fn: (scene: Scene) => Promise<void>) => {
    for (const mode of WRITE_MODES) {
      await t.step(`${name} [${mode}]`, async () => {
        await assertProviderRunning(scenes[mode]);
        await fn(scenes[mode]);
      });
    }
  };

  try {
    await each(
      "Version: the build's driver and grpc modules, the provider's version",
      async (s) => {
        const answer = await s.harness.version();
        assert.deepEqual(answer.ok ? { ...answer, durationMs: 0 } : answer, {
          ok: true,
          runtimeVersion: PROVIDER_VERSION,
          ...BUILDS[version],
          durationMs: 0,
        });
      },
    );

    await each("first mount: files, modes, digests and object versions", async (s) => {
      const plain = await seeder.createSecret(PRIMARY_REGION, `${s.tag}/first`, "s3cr3t-first");
      const binary = await seeder.createSecret(
        PRIMARY_REGION,
        `${s.tag}-bin`,
        new Uint8Array([0, 1, 2, 0xff]),
      );
      const result = await mount(s, {
        parameters: parameters(
          [
            `- {objectName: ${s.tag}/first, objectType: secretsmanager}`,
            `- {objectName: ${s.tag}-bin, objectType: secretsmanager, objectAlias: blob}`,
          ].join("\n"),
        ),
      });
      const firstFile = `${s.tag}_first`;
      assert.deepEqual(result.objectVersions, {
        [firstFile]: plain.versionId,
        blob: binary.versionId,
      });
      const blob = new Uint8Array([0, 1, 2, 0xff]);
      assert.deepEqual(
        result.files.map(({ path, mode, size, sha256, contents }) => ({
          path,
          mode,
          size,
          sha256,
          contents,
        })),
        [
          {
            path: "blob",
            mode: 0o644,
            size: 4,
            sha256: await sha256(blob),
            contents: btoa(String.fromCharCode(...blob)),
          },
          {
            path: firstFile,
            mode: 0o644,
            size: 12,
            sha256: await sha256("s3cr3t-first"),
            contents: btoa("s3cr3t-first"),
          },
        ],
      );
      await assertLayout(s.mode, result, [firstFile, "blob"]);
    });

    await each(
      version === "v1.5"
        ? "re-mount with a changed secret, sending the current object versions"
        : "re-mount with a changed secret",
      async (s) => {
        const name = `${s.tag}-rotating`;
        const created = await seeder.createSecret(PRIMARY_REGION, name, "value-1");
        const objects = `- {objectName: ${name}, objectType: secretsmanager}`;
        const first = await mount(s, { parameters: parameters(objects) });
        assert.deepEqual(first.objectVersions, { [name]: created.versionId });
        const firstDataDir = await assertLayout(s.mode, first, [name]);

        const { versionId } = await seeder.putSecretValue(PRIMARY_REGION, name, "value-2");
        assert.notEqual(versionId, created.versionId);
        // driver v1.5's rotation reconciler sends the versions it recorded; v1.6 sends none.
        const oldObjectVersions = version === "v1.5"
          ? { ...first.objectVersions, "retired-file": "retired-version" }
          : undefined;
        const second = await mount(s, {
          parameters: parameters(objects),
          targetPath: first.targetPath,
          oldObjectVersions,
        });
        assert.deepEqual(texts(second), { [name]: "value-2" });
        assert.deepEqual(
          second.objectVersions,
          version === "v1.5"
            ? { [name]: versionId, "retired-file": "retired-version" } // untouched ids echoed back
            : { [name]: versionId },
        );
        const secondDataDir = await assertLayout(s.mode, second, [name]);
        if (s.mode === "driver-writes") assert.notEqual(secondDataDir, firstDataDir);

        if (version === "v1.5") {
          // Unchanged since the last mount: the same content and version.
          const third = await mount(s, {
            parameters: parameters(objects),
            targetPath: first.targetPath,
            oldObjectVersions: { [name]: versionId },
          });
          assert.deepEqual(texts(third), { [name]: "value-2" });
          assert.deepEqual(third.objectVersions, { [name]: versionId });
        }
      },
    );

    await each("jmesPath files carry the object's version and their own modes", async (s) => {
      const name = `${s.tag}-json`;
      const created = await seeder.createSecret(
        PRIMARY_REGION,
        name,
        JSON.stringify({ username: "admin", password: "p@ss", db: { host: "db.internal" } }),
      );
      const result = await mount(s, {
        parameters: parameters([
          `- objectName: ${name}`,
          `  objectType: secretsmanager`,
          `  objectAlias: db-json`,
          `  jmesPath:`,
          `    - {path: username, objectAlias: db-user}`,
          `    - {path: password, objectAlias: db-pass, filePermission: "0400"}`,
          `    - {path: db.host, objectAlias: db-host}`,
        ].join("\n")),
      });
      assert.deepEqual(texts(result), {
        "db-json": JSON.stringify({
          username: "admin",
          password: "p@ss",
          db: { host: "db.internal" },
        }),
        "db-user": "admin",
        "db-pass": "p@ss",
        "db-host": "db.internal",
      });
      assert.deepEqual(modes(result), {
        "db-json": 0o644,
        "db-user": 0o644,
        "db-pass": 0o400,
        "db-host": 0o644,
      });
      assert.deepEqual(result.objectVersions, {
        "db-json": created.versionId,
        "db-user": created.versionId,
        "db-pass": created.versionId,
        "db-host": created.versionId,
      });
      await assertLayout(s.mode, result, ["db-json", "db-user", "db-pass", "db-host"]);
    });

    await each(`nested paths with pathTranslation "False"`, async (s) => {
      const secret = await seeder.createSecret(
        PRIMARY_REGION,
        `${s.tag}/nested/password`,
        "nested-pw",
      );
      await seeder.putParameter(PRIMARY_REGION, `/${s.tag}/nested/param`, "nested-param");
      const result = await mount(s, {
        parameters: parameters(
          [
            `- {objectName: ${s.tag}/nested/password, objectType: secretsmanager}`,
            `- {objectName: /${s.tag}/nested/param, objectType: ssmparameter}`,
          ].join("\n"),
          { pathTranslation: "False" },
        ),
      });
      assert.deepEqual(texts(result), {
        [`${s.tag}/nested/param`]: "nested-param",
        [`${s.tag}/nested/password`]: "nested-pw",
      });
      assert.deepEqual(result.objectVersions, {
        [`${s.tag}/nested/password`]: secret.versionId,
        [`${s.tag}/nested/param`]: "1",
      });
      const dataDir = await assertLayout(s.mode, result, [s.tag]);
      // The directories are real directories (in the data dir when the driver wrote).
      const realDir = `${result.targetPath}/${dataDir ?? ""}/${s.tag}/nested`;
      assert.ok((await Deno.lstat(realDir)).isDirectory);
    });

    await each("file modes: filePermission per object, else the request permission", async (s) => {
      const wanted: [string, string | undefined, number][] = [
        ["a", "0600", 0o600],
        ["b", "0400", 0o400],
        ["c", "0644", 0o644],
        ["d", undefined, 0o640],
      ];
      const objects: string[] = [];
      for (const [suffix, permission] of wanted) {
        await seeder.putParameter(PRIMARY_REGION, `/${s.tag}/mode/${suffix}`, `mode-${suffix}`);
        objects.push(
          `- {objectName: /${s.tag}/mode/${suffix}, objectType: ssmparameter, objectAlias: ${suffix}${
            permission ? `, filePermission: "${permission}"` : ""
          }}`,
        );
      }
      // 416 = 0o640, as the JSON of os.FileMode(0640)
      const result = await mount(s, {
        parameters: parameters(objects.join("\n")),
        permission: "416",
      });
      assert.deepEqual(modes(result), Object.fromEntries(wanted.map(([n, , mode]) => [n, mode])));
      assert.deepEqual(
        texts(result),
        Object.fromEntries(wanted.map(([n]) => [n, `mode-${n}`])),
      );
      await assertLayout(s.mode, result, ["a", "b", "c", "d"]);
    });

    await each("Secrets Manager and SSM Parameter Store in one class", async (s) => {
      const secret = await seeder.createSecret(PRIMARY_REGION, `${s.tag}-mixed`, "sm-value");
      await seeder.putParameter(PRIMARY_REGION, `/${s.tag}/mixed/param`, "param-1");
      await seeder.putParameter(PRIMARY_REGION, `/${s.tag}/mixed/param`, "param-2", {
        overwrite: true,
      });
      await seeder.putParameter(PRIMARY_REGION, `/${s.tag}/mixed/secure`, "secure-value", {
        type: "SecureString",
      });
      const result = await mount(s, {
        parameters: parameters([
          `- {objectName: ${s.tag}-mixed, objectType: secretsmanager, objectAlias: sm}`,
          `- {objectName: /${s.tag}/mixed/param, objectType: ssmparameter, objectAlias: param}`,
          `- {objectName: /${s.tag}/mixed/secure, objectType: ssmparameter}`,
          `- {objectName: /${s.tag}/mixed/param, objectType: ssmparameter, objectAlias: param-v1, objectVersion: "1"}`,
        ].join("\n")),
      });
      const secureFile = `_${s.tag}_mixed_secure`;
      assert.deepEqual(texts(result), {
        sm: "sm-value",
        param: "param-2",
        "param-v1": "param-1",
        [secureFile]: "secure-value",
      });
      assert.deepEqual(result.objectVersions, {
        sm: secret.versionId,
        param: "2",
        "param-v1": "1",
        [secureFile]: "1",
      });
      await assertLayout(s.mode, result, ["sm", "param", "param-v1", secureFile]);
    });

    await each(
      "failover: the primary region fails with 500s, the failover values are mounted",
      async (s) => {
        const name = `${s.tag}-fo`;
        await seeder.createSecret(PRIMARY_REGION, name, "east-value");
        const west = await seeder.createSecret(FAILOVER_REGION, name, "west-value");
        await seeder.putParameter(PRIMARY_REGION, `/${s.tag}/fo/param`, "east-param");
        await seeder.putParameter(FAILOVER_REGION, `/${s.tag}/fo/param`, "west-param");
        const objects = [
          `- {objectName: ${name}, objectType: secretsmanager}`,
          `- {objectName: /${s.tag}/fo/param, objectType: ssmparameter, objectAlias: param}`,
        ].join("\n");
        proxy.setFault({ region: PRIMARY_REGION }, { kind: "status", status: 500 });
        try {
          const result = await mount(s, {
            parameters: parameters(objects, { failoverRegion: FAILOVER_REGION }),
          });
          assert.deepEqual(texts(result), { [name]: "west-value", param: "west-param" });
          assert.deepEqual(result.objectVersions, { [name]: west.versionId, param: "1" });
          await assertLayout(s.mode, result, [name, "param"]);
        } finally {
          proxy.clearFaults();
        }
      },
    );

    await each("errors reach the pod as the driver reports them", async (s) => {
      const missing = `${s.tag}-missing`;
      const failure = expectFailed(
        s,
        await s.harness.mount({
          parameters: parameters(`- {objectName: ${missing}, objectType: secretsmanager}`),
        }),
      );
      assert.match(
        failure.error,
        new RegExp(
          `^rpc error: code = Unknown desc = us-east-1: Failed fetching secret ${missing}: .*ResourceNotFoundException`,
        ),
      );
      assert.equal(failure.errorCode, "GRPCProviderError");
      assert.equal(failure.grpcCode, "Unknown");
      assert.deepEqual(failure.files, [], "nothing is written on a failed mount");

      const invalid = expectFailed(
        s,
        await s.harness.mount({
          parameters: parameters(
            `- {objectName: ${missing}, objectType: secretsmanager, filePermission: "777"}`,
          ),
        }),
      );
      assert.equal(
        invalid.error,
        "rpc error: code = Unknown desc = Invalid File Permission: 777",
      );
    });

    await each("50 concurrent mounts on one connection", async (s) => {
      const secret = await seeder.createSecret(PRIMARY_REGION, `${s.tag}-many`, "many-secret");
      await seeder.putParameter(PRIMARY_REGION, `/${s.tag}/many`, "many-param");
      const { results } = await s.harness.mountMany({
        count: 50,
        concurrency: 50,
        parameters: parameters([
          `- {objectName: ${s.tag}-many, objectType: secretsmanager, objectAlias: secret}`,
          `- {objectName: /${s.tag}/many, objectType: ssmparameter, objectAlias: param}`,
        ].join("\n")),
      });
      assert.equal(results.length, 50);
      const digests = { param: await sha256("many-param"), secret: await sha256("many-secret") };
      const failures = results.filter((r) => !r.ok);
      if (failures.length > 0) {
        expectMounted(s, failures[0]); // throws with the first error and the logs
      }
      for (const result of results as MountSuccess[]) {
        assert.deepEqual(result.objectVersions, { secret: secret.versionId, param: "1" });
        assert.deepEqual(
          result.files.map(({ path, sha256, mode }) => ({ path, sha256, mode })),
          [
            { path: "param", sha256: digests.param, mode: 0o644 },
            { path: "secret", sha256: digests.secret, mode: 0o644 },
          ],
        );
        assert.equal(result.driverWroteFiles, s.mode === "driver-writes");
      }
      assert.equal(new Set(results.map((r) => r.targetPath)).size, 50, "distinct target dirs");
    });

    await each(
      "provider restart while the driver keeps its connection",
      async (s) => {
        const name = `${s.tag}-restart`;
        await seeder.createSecret(PRIMARY_REGION, name, "bef0re~rd");
        const objects = parameters(`- {objectName: ${name}, objectType: secretsmanager}`);
        const before = await mount(s, { parameters: objects });
        assert.deepEqual(texts(before), { [name]: "bef0re~rd" });

        const old = stack.providers[s.mode];
        assert.equal(await old.stop(), 0, "SIGTERM: a clean exit");
        // While no provider listens, the driver's call waits (waitForReady) until its deadline.
        const down = expectFailed(
          s,
          await s.harness.mount({ parameters: objects, timeoutMs: 500 }),
        );
        assert.match(down.error, /DeadlineExceeded|deadline exceeded/i);

        stack.providers[s.mode] = await startProvider(stack, s.mode, old);
        stack.providers[s.mode].watch(`driver harness ${version}`, s.harness);
        await seeder.putSecretValue(PRIMARY_REGION, name, "aft3r~rd");
        const after = await mount(s, {
          parameters: objects,
          targetPath: before.targetPath,
          timeoutMs: 20_000, // the driver's client reconnects with gRPC backoff
        });
        assert.deepEqual(texts(after), { [name]: "aft3r~rd" });
        const again = await s.harness.version();
        assert.equal(again.ok, true, JSON.stringify(again));
      },
    );
  } finally {
    await Promise.all(WRITE_MODES.map((mode) => scenes[mode]?.harness.close()));
  }
}
