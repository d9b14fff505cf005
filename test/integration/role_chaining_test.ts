/**
 * Role chaining end to end: the provider as its own process, over its real
 * socket, against moto in two regions, in both write modes. moto keeps one
 * backend per account and maps the keys AssumeRole issues to the role's
 * account, so secrets seeded in account 444455556666 can only be mounted with
 * the chained credentials: with `assumeRoleArn` they are (IRSA and Pod
 * Identity as the source), in every region and for every store, after one
 * AssumeRole per region that warm and concurrent mounts share; the failover
 * suite's faults give the failover region's values; a refusal names the role
 * and the source principal.
 */

import assert from "node:assert/strict";
import {
  assertNoLeaks,
  createSeeder,
  FAILOVER_REGION,
  type LeakSource,
  PRIMARY_REGION,
  type Seeder,
  TEST_ROLE_ARN,
  type TestProvider,
} from "../../devstack/mod.ts";
import { FAILOVER_FAULTS, startTwoModes, texts, WRITE_MODES } from "./_two_modes.ts";

const TARGET_ACCOUNT = "444455556666";
const TARGET_ROLE = `arn:aws:iam::${TARGET_ACCOUNT}:role/shared-secrets`;
const REGIONS = [PRIMARY_REGION, FAILOVER_REGION];

/** A value of account B in `region` (distinct, so the leak proof can find it). */
const value = (region: string, name: string) => `acct-b~${region}~${name}~Ch4`;

/** The stack's leak proof for values it did not seed: none in a log line or a driver error. */
function assertNoLeaksOf(seeder: Seeder, providers: TestProvider[]): void {
  const sources: LeakSource[] = providers.flatMap((provider) => [
    ...provider.process.lines().map((text, i) => ({ where: `provider log line ${i + 1}`, text })),
    ...provider.driver.errors().map(({ call, message }) => ({
      where: `the error of call ${call}`,
      text: message,
    })),
  ]);
  assertNoLeaks(sources, seeder.seededValues());
}

/** Tokens of a new pod: its credentials (and so its chained ones) are not cached yet. */
function newPodTokens(name: string): Record<string, string> {
  return {
    "sts.amazonaws.com": `eyJhbGciOiJSUzI1NiJ9.${name}-sts.c2ln`,
    "pods.eks.amazonaws.com": `eyJhbGciOiJSUzI1NiJ9.${name}-pod.c2ln`,
  };
}

Deno.test({
  name:
    "role chaining: the pod's credentials assume a role of another account, in both write modes",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await using modes = await startTwoModes({ env: { AWS_MAX_ATTEMPTS: "2" }, podIdentity: true });
    const { stack } = modes;
    const { proxy } = stack;
    // Account B's own seeder: keys from an AssumeRole into that account.
    const keys = await stack.seeder.assumeRoleWithWebIdentity(
      PRIMARY_REGION,
      `arn:aws:iam::${TARGET_ACCOUNT}:role/seeder`,
      "seeder-token",
    );
    using other = createSeeder(stack.moto.url, { credentials: keys });
    for (const region of REGIONS) {
      await other.createSecret(region, "it-chain/db", value(region, "db"));
      await other.putParameter(region, "/it-chain/app/a", value(region, "a"));
      await other.putParameter(region, "/it-chain/app/b", value(region, "b"));
    }
    const objects = [
      "- {objectName: it-chain/db, objectType: secretsmanager, objectAlias: db}",
      "- {path: /it-chain/app}",
    ].join("\n");
    const parameters = (extra: Record<string, string> = {}) => ({
      region: PRIMARY_REGION,
      failoverRegion: FAILOVER_REGION,
      objects,
      assumeRoleArn: TARGET_ROLE,
      assumeRoleExternalId: "tenant-42",
      ...extra,
    });
    const expected = (region: string) => ({
      db: value(region, "db"),
      "_it-chain_app_a": value(region, "a"),
      "_it-chain_app_b": value(region, "b"),
    });

    await t.step("without assumeRoleArn the pod's own account has no such secret", async () => {
      const mounted = await modes.mount("driver writes", {
        region: PRIMARY_REGION,
        objects: "- {objectName: it-chain/db, objectType: secretsmanager}",
      });
      assert.equal(mounted.ok, false);
      if (!mounted.ok) assert.match(mounted.message, /ResourceNotFoundException/);
    });

    for (const mode of WRITE_MODES) {
      await t.step(
        `${mode}: every store in every region uses the chained credentials`,
        async () => {
          proxy.clearFaults();
          proxy.resetCalls();
          const mounted = await modes.mount(mode, parameters(), {
            tokens: newPodTokens(`cold-${mode}`),
          });
          assert.equal(mounted.ok, true, JSON.stringify(mounted));
          assert.deepEqual(texts(mounted.files), expected(PRIMARY_REGION));
          const calls = proxy.calls();
          const assumeRoles = calls.filter((call) => call.api === "AssumeRole");
          assert.deepEqual(assumeRoles.map((call) => call.region).sort(), REGIONS);
          const sourceKeys = new Set(assumeRoles.map((call) => call.accessKeyId));
          assert.ok(!sourceKeys.has(""), "AssumeRole is signed with the pod's credentials");
          const storeCalls = calls.filter((call) => call.service !== "sts");
          assert.ok(storeCalls.length >= 4);
          for (const call of storeCalls) {
            assert.ok(!sourceKeys.has(call.accessKeyId), `${call.api} signed with the source`);
          }
        },
      );

      await t.step(
        `${mode}: warm mounts make no STS call; concurrent cold ones share one`,
        async () => {
          proxy.resetCalls();
          const warm = await modes.mount(mode, parameters(), {
            tokens: newPodTokens(`cold-${mode}`),
          });
          assert.equal(warm.ok, true);
          assert.deepEqual(
            proxy.countBy((call) => call.service === "sts" ? call.api : undefined),
            {},
          );
          const tokens = newPodTokens(`burst-${mode}`);
          const burst = await Promise.all(
            Array.from({ length: 8 }, () => modes.mount(mode, parameters(), { tokens })),
          );
          assert.ok(burst.every((mounted) => mounted.ok), JSON.stringify(burst.find((m) => !m.ok)));
          assert.deepEqual(
            proxy.countBy((call) => call.service === "sts" ? call.api : undefined),
            { AssumeRoleWithWebIdentity: 2, AssumeRole: 2 },
          );
        },
      );

      for (const [label, fault] of FAILOVER_FAULTS) {
        await t.step(`${mode}: primary ${label}: the failover region's values`, async () => {
          proxy.clearFaults();
          proxy.setFault({ region: PRIMARY_REGION, service: "secretsmanager" }, fault);
          proxy.setFault({ region: PRIMARY_REGION, service: "ssm" }, fault);
          const mounted = await modes.mount(mode, parameters(), {
            tokens: newPodTokens(`cold-${mode}`),
          });
          assert.equal(mounted.ok, true, JSON.stringify(mounted));
          assert.deepEqual(texts(mounted.files), expected(FAILOVER_REGION));
        });
      }

      await t.step(
        `${mode}: AssumeRole throttled in the primary region: the failover region's values`,
        async () => {
          proxy.clearFaults();
          proxy.setFault({ region: PRIMARY_REGION, api: "AssumeRole" }, { kind: "throttle" });
          const mounted = await modes.mount(mode, parameters(), {
            tokens: newPodTokens(`sts-${mode}`),
          });
          assert.equal(mounted.ok, true, JSON.stringify(mounted));
          assert.deepEqual(texts(mounted.files), expected(FAILOVER_REGION));
        },
      );

      await t.step(`${mode}: a refusal names the role and the source principal`, async () => {
        proxy.clearFaults();
        proxy.setFault({ api: "AssumeRole" }, { kind: "accessDenied" });
        const mounted = await modes.mount(
          mode,
          parameters({ objects: "- {objectName: it-chain/db, objectType: secretsmanager}" }),
          { tokens: newPodTokens(`refused-${mode}`) },
        );
        assert.equal(mounted.ok, false);
        if (!mounted.ok) {
          const refusal = `assuming role ${TARGET_ROLE} as irsa:${TEST_ROLE_ARN}: `;
          assert.ok(
            mounted.message.startsWith(
              "Failed to fetch secret from all regions. Verify secret exists and required permissions are granted for: it-chain/db (us-east-1: AccessDenied: " +
                refusal,
            ),
            mounted.message,
          );
          assert.ok(
            mounted.message.includes(`us-west-2: AccessDenied: ${refusal}`),
            mounted.message,
          );
        }
        proxy.clearFaults();
      });
    }

    await t.step("Pod Identity credentials are a source too", async () => {
      proxy.resetCalls();
      const mounted = await modes.mount("driver writes", parameters({ usePodIdentity: "true" }));
      assert.equal(mounted.ok, true, JSON.stringify(mounted));
      assert.deepEqual(texts(mounted.files), expected(PRIMARY_REGION));
      assert.equal(proxy.countBy((call) => call.api === "AssumeRole" ? "n" : undefined).n, 2);
      const chained = (line: string) =>
        line.includes('"msg":"mount"') &&
        line.includes(`pod-identity:default/app-sa assume-role:${TARGET_ROLE}`);
      const lines = await modes.providers["driver writes"].process.linesWhen((lines) =>
        lines.some(chained)
      );
      assert.ok(lines.some(chained));
    });

    await t.step("invalid parameters fail before any call, naming the parameter", async () => {
      proxy.resetCalls();
      const mounted = await modes.mount(
        "driver writes",
        parameters({ assumeRoleDurationSeconds: "86400" }),
      );
      assert.deepEqual(mounted, {
        ok: false,
        message:
          'invalid assumeRoleDurationSeconds "86400": a whole number of seconds from 900 to 43200',
        files: {},
      });
      assert.deepEqual(proxy.calls(), []);
    });

    assertNoLeaksOf(other, Object.values(modes.providers));
  },
});
