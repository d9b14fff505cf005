/**
 * `deno task demo`: the provider's main job on this machine, end to end.
 *
 * Starts moto (an AWS emulator) with secrets and parameters in two regions, a
 * local Kubernetes API that knows the pod's service account and IAM role, and
 * the provider as its own process under its production permission flags.
 * Then it mounts a SecretProviderClass exactly as the CSI driver would, over
 * the provider's Unix socket, and shows the files, modes and versions in
 * `.demo/`. Finally it makes the primary region fail and mounts again to show
 * failover.
 *
 * @module
 */

import {
  DEFAULT_POD,
  FAILOVER_REGION,
  PRIMARY_REGION,
  readMount,
  startStack,
  TEST_ROLE_ARN,
} from "../../devstack/mod.ts";

const ROOT = new URL("../../.demo/", import.meta.url).pathname;

const OBJECTS = `- objectName: demo/db-credentials
  objectType: secretsmanager
  objectAlias: db-credentials
  jmesPath:
    - path: username
      objectAlias: db-username
    - path: password
      objectAlias: db-password
      filePermission: "0400"
- objectName: demo/api-key
  objectType: secretsmanager
- objectName: /demo/feature-flags
  objectType: ssmparameter
  objectAlias: feature-flags
- objectName: /demo/feature-flags
  objectType: ssmparameter
  objectAlias: feature-flags-stable
  objectVersionLabel: stable`;

function say(text: string): void {
  console.log(text);
}

async function show(targetPath: string, versions: Record<string, string>): Promise<void> {
  const files = await readMount(targetPath);
  for (const [path, file] of Object.entries(files).sort()) {
    const mode = file.mode.toString(8).padStart(4, "0");
    say(
      `    ${mode}  ${path.padEnd(22)} ${String(file.bytes.length).padStart(4)} bytes  version ${
        versions[path]
      }`,
    );
  }
  say("");
  for (const [path, file] of Object.entries(files).sort()) {
    say(`    $ cat ${path}\n    ${file.text}`);
  }
}

/** Runs the demo; returns the exit code. */
export async function runDemo(): Promise<number> {
  await Deno.remove(ROOT, { recursive: true }).catch(() => {});
  await Deno.mkdir(`${ROOT}provider`, { recursive: true });
  await Deno.mkdir(`${ROOT}pods`, { recursive: true });

  say(
    "1. Starting the dev stack: moto, the AWS emulator (installed into .venv on first run), a\n" +
      "   local Kubernetes API server, and the provider with its production permission flags...",
  );
  await using stack = await startStack({
    provider: { providerVolume: `${ROOT}provider`, mountRoot: `${ROOT}pods` },
  });
  const { provider, seeder } = stack;
  say(
    `   moto listens on ${stack.moto.url}; the provider reaches it through a fault proxy at ${stack.proxy.url}`,
  );
  say(
    `   the Kubernetes API knows service account ${DEFAULT_POD.namespace}/${DEFAULT_POD.serviceAccount} → ${TEST_ROLE_ARN} (IRSA)`,
  );
  const version = await provider.driver.version();
  say(`   ${provider.process.socketPath}: ${version.runtime_name} ${version.runtime_version}`);

  say(`2. Seeding ${PRIMARY_REGION} (primary) and ${FAILOVER_REGION} (failover)...`);
  for (const region of [PRIMARY_REGION, FAILOVER_REGION]) {
    await seeder.createSecret(
      region,
      "demo/db-credentials",
      JSON.stringify({ username: "demo-db-user", password: `demo-password-from-${region}` }),
    );
    await seeder.createSecret(region, "demo/api-key", `demo-api-key-${region}`);
    await seeder.putParameter(region, "/demo/feature-flags", "checkout=off");
    await seeder.putParameter(region, "/demo/feature-flags", "checkout=on", {
      overwrite: true,
    });
    await seeder.labelParameterVersion(region, "/demo/feature-flags", 1, ["stable"]);
  }

  const targetPath =
    `${ROOT}pods/${DEFAULT_POD.uid}/volumes/kubernetes.io~csi/secrets-store-inline/mount`;
  await Deno.mkdir(targetPath, { recursive: true });
  const parameters = {
    region: PRIMARY_REGION,
    failoverRegion: FAILOVER_REGION,
    objects: OBJECTS,
  };
  say("\n3. Mount, as the CSI driver does it, of a SecretProviderClass with these objects:");
  say(OBJECTS.replace(/^/gm, "     "));
  const first = await provider.driver.mount({ targetPath, parameters });
  if (!first.ok) {
    say(`   mount failed: ${first.message}`);
    return 1;
  }
  say(`\n   Files in ${targetPath}:`);
  await show(targetPath, first.versions);

  say(`\n4. Failover: ${PRIMARY_REGION} now answers every call with HTTP 500. Mounting again...`);
  stack.proxy.setFault({ region: PRIMARY_REGION }, { kind: "status", status: 500 });
  const second = await provider.driver.mount({ targetPath, parameters });
  stack.proxy.clearFaults();
  if (!second.ok) {
    say(`   mount failed: ${second.message}`);
    return 1;
  }
  say(`   The files now hold the ${FAILOVER_REGION} values:`);
  await show(targetPath, second.versions);

  const values = [...Object.values(await readMount(targetPath))].map((file) => file.text);
  const lines = provider.process.lines();
  const leaks = lines.filter((line) => values.some((value) => line.includes(value)));
  say(`\nDone. The mounted files stay in ${targetPath}`);
  say(
    `Provider log: ${lines.length} JSON lines, ${leaks.length} containing a secret value.`,
  );
  return leaks.length === 0 ? 0 : 1;
}

if (import.meta.main) Deno.exit(await runDemo());
