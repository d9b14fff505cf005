/**
 * Failover between two regions (spec section (d)), with faults injected per
 * region by the proxy in front of moto: server errors, throttling, hangs,
 * connection resets and client errors.
 */

import assert from "node:assert/strict";
import {
  FAILOVER_REGION,
  type Fault,
  PRIMARY_REGION,
  readMount,
  startStack,
} from "../../devstack/mod.ts";

const SECRET = "- {objectName: it-fo-secret, objectType: secretsmanager}";
const PARAMETER = "- {objectName: /it-fo/param, objectType: ssmparameter, objectAlias: param}";
const SERVER_ERROR: Fault = { kind: "status", status: 500, message: "Internal failure" };
const NOT_FOUND: Fault = {
  kind: "status",
  status: 400,
  code: "ResourceNotFoundException",
  message: "Secrets Manager can't find the specified secret.",
};

Deno.test({
  name:
    "failover follows the Go provider: which region's value is mounted and which errors are fatal",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await using stack = await startStack({
      provider: {
        env: { AWS_MAX_ATTEMPTS: "2" },
      },
    });
    const { provider, seeder, proxy } = stack;
    const east = await seeder.createSecret(PRIMARY_REGION, "it-fo-secret", "east-value");
    const west = await seeder.createSecret(FAILOVER_REGION, "it-fo-secret", "west-value");
    await seeder.putParameter(PRIMARY_REGION, "/it-fo/param", "east-param");
    await seeder.putParameter(FAILOVER_REGION, "/it-fo/param", "west-param");
    await seeder.putParameter(FAILOVER_REGION, "/it-fo/param", "west-param-2", { overwrite: true });

    const mount = async (objects: string[], options: { timeoutMs?: number } = {}) => {
      const targetPath = await provider.newTargetPath();
      const outcome = await provider.driver.mount({
        targetPath,
        timeoutMs: options.timeoutMs,
        parameters: {
          region: PRIMARY_REGION,
          failoverRegion: FAILOVER_REGION,
          objects: objects.join("\n"),
        },
      });
      const files = await readMount(targetPath);
      return {
        outcome,
        texts: Object.fromEntries(Object.entries(files).map(([path, file]) => [path, file.text])),
      };
    };
    const faultIn = (region: string, fault: Fault) => {
      proxy.clearFaults();
      proxy.setFault({ region }, fault);
    };

    await t.step(
      "both regions answer: the primary's value, with the primary's version",
      async () => {
        proxy.clearFaults();
        proxy.resetCalls();
        const { outcome, texts } = await mount([SECRET, PARAMETER]);
        assert.deepEqual(outcome, {
          ok: true,
          files: [],
          versions: { "it-fo-secret": east.versionId, param: "1" },
        });
        assert.deepEqual(texts, { "it-fo-secret": "east-value", param: "east-param" });
        // Both regions are always asked (a client error in either fails the mount);
        // the first mount of the pod assumes its role once per region.
        assert.deepEqual(proxy.countBy((call) => `${call.region || "unsigned"}.${call.api}`), {
          "us-east-1.BatchGetSecretValue": 1,
          "us-east-1.GetParameters": 1,
          "us-west-2.BatchGetSecretValue": 1,
          "us-west-2.GetParameters": 1,
          "unsigned.AssumeRoleWithWebIdentity": 2,
        });
      },
    );

    for (
      const [label, fault] of [
        ["server errors (500)", SERVER_ERROR],
        ["throttling", { kind: "throttle" }],
        ["connection resets", { kind: "reset" }],
        ["access denied (an unmodeled 4xx)", { kind: "accessDenied" }],
      ] as [string, Fault][]
    ) {
      await t.step(`primary ${label}: the failover region's value and version`, async () => {
        faultIn(PRIMARY_REGION, fault);
        const { outcome, texts } = await mount([SECRET, PARAMETER]);
        assert.deepEqual(outcome, {
          ok: true,
          files: [],
          versions: { "it-fo-secret": west.versionId, param: "2" },
        });
        assert.deepEqual(texts, { "it-fo-secret": "west-value", param: "west-param-2" });
      });
    }

    await t.step(
      "a primary that hangs: the failover value arrives before the deadline",
      async () => {
        faultIn(PRIMARY_REGION, { kind: "hang" });
        const started = Date.now();
        const { outcome, texts } = await mount([SECRET], { timeoutMs: 6_000 });
        assert.equal(outcome.ok, true);
        assert.deepEqual(texts, { "it-fo-secret": "west-value" });
        assert.ok(Date.now() - started < 6_000);
      },
    );

    await t.step("a modeled client error in the primary is fatal: no failover", async () => {
      faultIn(PRIMARY_REGION, NOT_FOUND);
      const { outcome, texts } = await mount([SECRET]);
      assert.equal(outcome.ok, false);
      if (!outcome.ok) {
        assert.match(
          outcome.message,
          /^us-east-1: Failed fetching secret it-fo-secret: .*ResourceNotFoundException: Secrets Manager can't find the specified secret\.$/,
        );
      }
      assert.deepEqual(texts, {});
    });

    await t.step("primary fine, failover with a client error: the mount fails", async () => {
      faultIn(FAILOVER_REGION, NOT_FOUND);
      const { outcome } = await mount([SECRET]);
      assert.equal(outcome.ok, false);
      if (!outcome.ok) {
        assert.match(outcome.message, /^us-west-2: Failed fetching secret it-fo-secret: /);
      }
    });

    await t.step("primary 500, failover 4xx: the failover's error", async () => {
      proxy.clearFaults();
      proxy.setFault({ region: PRIMARY_REGION }, SERVER_ERROR);
      proxy.setFault({ region: FAILOVER_REGION }, NOT_FOUND);
      const { outcome } = await mount([SECRET]);
      assert.equal(outcome.ok, false);
      if (!outcome.ok) {
        assert.match(outcome.message, /^us-west-2: Failed fetching secret it-fo-secret: /);
      }
    });

    await t.step(
      "both regions failing: the all-regions text says what each region answered",
      async () => {
        proxy.clearFaults();
        proxy.setFault({ region: PRIMARY_REGION }, SERVER_ERROR);
        proxy.setFault({ region: FAILOVER_REGION }, { kind: "throttle" });
        const secret = await mount([SECRET]);
        assert.deepEqual(secret.outcome, {
          ok: false,
          code: 2,
          message:
            "Failed to fetch secret from all regions. Verify secret exists and required permissions are granted for: it-fo-secret" +
            " (us-east-1: InternalServiceError: Internal failure; us-west-2: ThrottlingException: Rate exceeded)",
        });
        const parameter = await mount([PARAMETER]);
        assert.deepEqual(parameter.outcome, {
          ok: false,
          code: 2,
          message: "Failed to fetch parameters from all regions." +
            " (us-east-1: InternalServerError: Internal failure; us-west-2: ThrottlingException: Rate exceeded)",
        });
      },
    );

    await t.step("SSM: an invalid parameter in the failover region fails the mount", async () => {
      proxy.clearFaults();
      await seeder.putParameter(PRIMARY_REGION, "/it-fo/east-only", "E4st~only");
      const { outcome } = await mount([
        "- {objectName: /it-fo/east-only, objectType: ssmparameter}",
      ]);
      assert.deepEqual(outcome, {
        ok: false,
        code: 2,
        message: "400: us-west-2: invalid parameters: /it-fo/east-only",
      });
    });

    await t.step("failoverObject names a different secret for the failover region", async () => {
      await seeder.createSecret(FAILOVER_REGION, "it-fo-replica", "replica-value");
      faultIn(PRIMARY_REGION, SERVER_ERROR);
      const { outcome, texts } = await mount([
        "- objectName: it-fo-secret",
        "  objectType: secretsmanager",
        "  objectAlias: db",
        "  failoverObject: {objectName: it-fo-replica}",
      ]);
      assert.equal(outcome.ok, true);
      assert.deepEqual(texts, { db: "replica-value" });
    });

    proxy.clearFaults();
  },
});

Deno.test({
  name: "with one region, a non-fatal error gives the all-regions text with the cause",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using stack = await startStack({
      provider: {
        env: { AWS_MAX_ATTEMPTS: "1" },
      },
    });
    const { provider } = stack;
    await stack.seeder.createSecret(PRIMARY_REGION, "it-fo-single", "X~fo");
    stack.proxy.setFault({ region: PRIMARY_REGION }, { kind: "accessDenied" });
    const outcome = await provider.driver.mount({
      targetPath: await provider.newTargetPath(),
      parameters: {
        region: PRIMARY_REGION,
        objects: SECRET.replace("it-fo-secret", "it-fo-single"),
      },
    });
    assert.equal(outcome.ok, false);
    if (!outcome.ok) {
      assert.match(
        outcome.message,
        /^Failed to fetch secret from all regions\. Verify secret exists and required permissions are granted for: it-fo-single \(us-east-1: AccessDeniedException: .+\)$/,
      );
    }
  },
});
