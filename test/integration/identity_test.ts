/**
 * Identity through the real socket: IRSA (service account role from a local
 * Kubernetes API, STS from moto), EKS Pod Identity (local agents on 127.0.0.1
 * and ::1), region from the node, caching and client-side rate limiting.
 */

import assert from "node:assert/strict";
import {
  DEFAULT_POD,
  PRIMARY_REGION,
  startStack,
  TEST_ROLE_ARN,
  TEST_TOKENS,
} from "../../devstack/mod.ts";

const SECRET = "- {objectName: it-id-secret, objectType: secretsmanager}";

function mountLines(lines: string[]): Record<string, unknown>[] {
  return lines.map((line) => {
    try {
      return JSON.parse(line);
    } catch {
      return {};
    }
  }).filter((line) => line.msg === "mount" || line.msg === "mount failed");
}

Deno.test({
  name: "IRSA: one STS call and one service account read serve 100 mounts of a pod",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await using stack = await startStack();
    const { kube, provider } = stack;
    await stack.seeder.createSecret(PRIMARY_REGION, "it-id-secret", "irsa-value");
    const parameters = { region: PRIMARY_REGION, objects: SECRET };

    await t.step(
      "100 sequential mounts: 1 AssumeRoleWithWebIdentity, 1 service account GET",
      async () => {
        stack.proxy.resetCalls();
        kube.resetCalls();
        const targetPath = await provider.newTargetPath();
        for (let i = 0; i < 100; i++) {
          const outcome = await provider.driver.mount({ targetPath, parameters });
          assert.equal(outcome.ok, true);
        }
        assert.deepEqual(stack.proxy.countBy((call) => call.api), {
          AssumeRoleWithWebIdentity: 1,
          BatchGetSecretValue: 100,
        });
        assert.deepEqual(kube.countBy(), { serviceaccounts: 1 });
        const lines = await provider.process.linesWhen((lines) => mountLines(lines).length >= 100);
        const principals = new Set(mountLines(lines).map((line) => line.principal));
        assert.deepEqual([...principals], [`irsa:${TEST_ROLE_ARN}`]);
      },
    );

    await t.step("20 concurrent mounts with a new token share one STS call", async () => {
      stack.proxy.resetCalls();
      const tokens = { "sts.amazonaws.com": "eyJhbGciOiJSUzI1NiJ9.fresh-token.c2ln" };
      const outcomes = await Promise.all(
        Array.from(
          { length: 20 },
          async () =>
            provider.driver.mount({
              targetPath: await provider.newTargetPath(),
              parameters,
              tokens,
            }),
        ),
      );
      assert.ok(outcomes.every((outcome) => outcome.ok));
      assert.equal(stack.proxy.countBy((call) => call.api).AssumeRoleWithWebIdentity, 1);
    });

    await t.step(
      "concurrent mounts of two pods each sign with their own pod's credentials",
      async () => {
        stack.proxy.resetCalls();
        const pod = (name: string) => ({
          pod: { ...DEFAULT_POD, name, uid: `uid-${name}` },
          tokens: { "sts.amazonaws.com": `eyJhbGciOiJSUzI1NiJ9.${name}-token.c2ln` },
        });
        const mounts = [
          ...Array.from({ length: 30 }, () => pod("pod-a")),
          ...Array.from({ length: 70 }, () => pod("pod-b")),
        ].sort(() => Math.random() - 0.5);
        const outcomes = await Promise.all(
          mounts.map(async (call) =>
            provider.driver.mount({
              ...call,
              targetPath: await provider.newTargetPath(call.pod),
              parameters,
            })
          ),
        );
        assert.ok(outcomes.every((outcome) => outcome.ok));
        const byKey = stack.proxy.countBy((call) =>
          call.api === "BatchGetSecretValue" ? call.accessKeyId : "other"
        );
        delete byKey.other;
        // One STS session per pod; every call of a pod is signed with that pod's key.
        assert.deepEqual(
          Object.values(byKey).sort((a, b) => a - b),
          [30, 70],
        );
      },
    );

    await t.step(
      "tokens passed in `secrets` (driver v1.6 on Kubernetes 1.35+) are used",
      async () => {
        const tokensJson = JSON.stringify({
          "sts.amazonaws.com": { token: TEST_TOKENS["sts.amazonaws.com"], expirationTimestamp: "" },
        });
        const outcome = await provider.driver.mount({
          targetPath: await provider.newTargetPath(),
          parameters,
          tokens: null,
          secrets: JSON.stringify({ "csi.storage.k8s.io/serviceAccount.tokens": tokensJson }),
        });
        assert.equal(outcome.ok, true);
      },
    );

    await t.step("without tokens, or without the STS audience, the Go texts", async () => {
      const noTokens = await provider.driver.mount({
        targetPath: await provider.newTargetPath(),
        parameters,
        tokens: null,
      });
      assert.deepEqual(noTokens, {
        ok: false,
        code: 2,
        message:
          "CSI token error: serviceAccount.tokens not provided - ensure tokenRequests is configured in CSIDriver - ensure tokenRequests is configured in CSIDriver spec",
      });
      const wrongAudience = await provider.driver.mount({
        targetPath: await provider.newTargetPath(),
        parameters,
        tokens: { "vault": "T~vault" },
      });
      assert.deepEqual(wrongAudience, {
        ok: false,
        code: 2,
        message:
          'IRSA token extraction failed: token for audience "sts.amazonaws.com" not found - ensure tokenRequests includes this audience in CSIDriver',
      });
    });

    await t.step("a service account without the role annotation, or missing", async () => {
      kube.putServiceAccount("default", "no-role-sa", {});
      const pod = { ...DEFAULT_POD, serviceAccount: "no-role-sa" };
      const noRole = await provider.driver.mount({
        targetPath: await provider.newTargetPath(),
        parameters,
        pod,
      });
      assert.deepEqual(noRole, {
        ok: false,
        code: 2,
        message:
          "An IAM role must be associated with service account no-role-sa (namespace: default)",
      });
      const missing = await provider.driver.mount({
        targetPath: await provider.newTargetPath(),
        parameters,
        pod: { ...DEFAULT_POD, serviceAccount: "ghost" },
      });
      assert.deepEqual(missing, {
        ok: false,
        code: 2,
        message: 'failed to get service account default/ghost: serviceaccounts "ghost" not found',
      });
    });

    await t.step("an STS rejection of the token is fatal, with STS's answer", async () => {
      stack.proxy.setFault({ service: "sts" }, {
        kind: "status",
        status: 400,
        code: "InvalidIdentityToken",
        message: "Couldn't retrieve verification key from your identity provider",
      });
      const outcome = await provider.driver.mount({
        targetPath: await provider.newTargetPath(),
        parameters,
        tokens: { "sts.amazonaws.com": "eyJhbGciOiJSUzI1NiJ9.rejected-token.c2ln" },
      });
      stack.proxy.clearFaults();
      assert.equal(outcome.ok, false);
      if (!outcome.ok) {
        assert.match(
          outcome.message,
          /^us-east-1: Failed fetching secret it-id-secret: operation error STS: AssumeRoleWithWebIdentity, .*InvalidIdentityToken(Exception)?: Couldn't retrieve verification key from your identity provider$/,
        );
      }
    });
  },
});

Deno.test({
  name: "IRSA: a changed role annotation takes effect after the cache TTL",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using stack = await startStack({
      provider: {
        args: ["--k8s-cache-ttl=1s"],
      },
    });
    const { kube, provider } = stack;
    await stack.seeder.createSecret(PRIMARY_REGION, "it-id-secret", "V~id");
    const parameters = { region: PRIMARY_REGION, objects: SECRET };
    const targetPath = await provider.newTargetPath();
    const newRole = "arn:aws:iam::123456789012:role/rotated-role";
    assert.equal((await provider.driver.mount({ targetPath, parameters })).ok, true);
    kube.putServiceAccount("default", DEFAULT_POD.serviceAccount, {
      "eks.amazonaws.com/role-arn": newRole,
    });
    assert.equal((await provider.driver.mount({ targetPath, parameters })).ok, true);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    assert.equal((await provider.driver.mount({ targetPath, parameters })).ok, true);
    const lines = await provider.process.linesWhen((lines) => mountLines(lines).length >= 3);
    const principals = mountLines(lines).map((line) => line.principal);
    assert.deepEqual(principals, [
      `irsa:${TEST_ROLE_ARN}`,
      `irsa:${TEST_ROLE_ARN}`,
      `irsa:${newRole}`,
    ]);
  },
});

Deno.test({
  name: "region comes from the node label (cached), or from AWS_REGION without any Kubernetes call",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await using stack = await startStack({ provider: false });
    const { kube } = stack;
    await stack.seeder.createSecret(PRIMARY_REGION, "it-id-secret", "E4st~id");
    const parameters = { objects: SECRET };

    await t.step("no region parameter: pod → node → topology.kubernetes.io/region", async () => {
      await using provider = await stack.startProvider();
      kube.resetCalls();
      for (let i = 0; i < 3; i++) {
        const outcome = await provider.driver.mount({
          targetPath: await provider.newTargetPath(),
          parameters,
        });
        assert.equal(outcome.ok, true);
      }
      assert.deepEqual(kube.countBy(), { serviceaccounts: 1, pods: 1, nodes: 1 });
      const missingPod = await provider.driver.mount({
        targetPath: await provider.newTargetPath({ uid: "u-gone" }),
        parameters,
        pod: { ...DEFAULT_POD, name: "gone", uid: "u-gone" },
      });
      assert.deepEqual(missingPod, {
        ok: false,
        code: 2,
        message: 'failed to retrieve region from node. error pods "gone" not found',
      });
      kube.putPod("default", "unlabelled", "bare-node");
      kube.putNode("bare-node", {});
      const noLabel = await provider.driver.mount({
        targetPath: await provider.newTargetPath({ uid: "u-unlabelled" }),
        parameters,
        pod: { ...DEFAULT_POD, name: "unlabelled", uid: "u-unlabelled" },
      });
      assert.deepEqual(noLabel, {
        ok: false,
        code: 2,
        message: "failed to retrieve region from node. error Region not found",
      });
    });

    await t.step("AWS_REGION on the provider: no pod or node reads", async () => {
      await using provider = await stack.startProvider({ awsRegion: PRIMARY_REGION });
      kube.resetCalls();
      const outcome = await provider.driver.mount({
        targetPath: await provider.newTargetPath(),
        parameters,
      });
      assert.equal(outcome.ok, true);
      assert.deepEqual(kube.countBy(), { serviceaccounts: 1 });
    });
  },
});

Deno.test({
  name:
    "Kubernetes calls are rate-limited: they wait for a token, or fail at once when it comes too late",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using stack = await startStack({
      provider: {
        args: ["--qps=1", "--burst=1", "--k8s-cache-ttl=0"],
      },
    });
    const { kube, provider } = stack;
    await stack.seeder.createSecret(PRIMARY_REGION, "it-id-secret", "V~id");
    // Five pods with five service accounts: five distinct reads (one pod's
    // concurrent mounts would share a single read).
    for (let i = 0; i < 5; i++) {
      kube.putServiceAccount("default", `sa-${i}`, { "eks.amazonaws.com/role-arn": TEST_ROLE_ARN });
    }
    const started = Date.now();
    const outcomes = await Promise.all(
      Array.from({ length: 5 }, async (_, i) =>
        provider.driver.mount({
          targetPath: await provider.newTargetPath({ uid: `uid-${i}` }),
          parameters: { region: PRIMARY_REGION, objects: SECRET },
          pod: { ...DEFAULT_POD, name: `pod-${i}`, uid: `uid-${i}`, serviceAccount: `sa-${i}` },
          timeoutMs: 2_500,
        })),
    );
    const ok = outcomes.filter((outcome) => outcome.ok).length;
    const limited = outcomes.filter((outcome) =>
      !outcome.ok &&
      /^failed to get service account default\/sa-\d: client rate limiter Wait returned an error: rate: Wait\(n=1\) would exceed context deadline$/
        .test(outcome.message)
    ).length;
    assert.ok(
      ok >= 2 && ok <= 3,
      `2 or 3 mounts get a token in time, got ${ok}: ${JSON.stringify(outcomes)}`,
    );
    assert.equal(ok + limited, 5, JSON.stringify(outcomes));
    assert.ok(Date.now() - started >= 1_000, "the second mount waited about a second");
    assert.ok((kube.countBy().serviceaccounts ?? 0) <= 3);
  },
});

Deno.test({
  name: "EKS Pod Identity: agent credentials, IPv4 first with a real fallback to IPv6",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await using stack = await startStack({
      podIdentity: true,
      provider: { args: ["--pod-identity-http-timeout=500ms"] },
    });
    const { provider } = stack;
    const { ipv4, ipv6 } = stack.podIdentity!;
    await stack.seeder.createSecret(PRIMARY_REGION, "it-id-secret", "pod-identity-value");
    const mount = async (
      extra: Record<string, string>,
      token = TEST_TOKENS["pods.eks.amazonaws.com"],
    ) =>
      provider.driver.mount({
        targetPath: await provider.newTargetPath(),
        parameters: { region: PRIMARY_REGION, objects: SECRET, usePodIdentity: "true", ...extra },
        tokens: { "pods.eks.amazonaws.com": token },
      });

    await t.step("auto: the IPv4 agent answers; the token is sent as is", async () => {
      const outcome = await provider.driver.mount({
        targetPath: await provider.newTargetPath(),
        parameters: { region: PRIMARY_REGION, objects: SECRET, usePodIdentity: "True" },
      });
      assert.equal(outcome.ok, true);
      assert.equal(ipv4.calls().length, 1);
      assert.equal(ipv6.calls().length, 0);
      assert.equal(ipv4.calls()[0].authorization, TEST_TOKENS["pods.eks.amazonaws.com"]);
    });

    await t.step("auto: an IPv4 agent that fails falls back to IPv6", async () => {
      ipv4.setFault({}, {
        kind: "status",
        status: 500,
        code: "InternalError",
        message: "agent down",
      });
      const target = await provider.newTargetPath();
      const outcome = await provider.driver.mount({
        targetPath: target,
        parameters: { region: PRIMARY_REGION, objects: SECRET, usePodIdentity: "t" },
        tokens: { "pods.eks.amazonaws.com": "eyJhbGciOiJSUzI1NiJ9.second-pod.c2ln" },
      });
      ipv4.clearFaults();
      assert.equal(outcome.ok, true, JSON.stringify(outcome));
      assert.equal(ipv6.calls().length, 1);
    });

    await t.step("ipv6 forced: only the IPv6 agent is asked", async () => {
      const before = ipv4.calls().length;
      const outcome = await provider.driver.mount({
        targetPath: await provider.newTargetPath(),
        parameters: {
          region: PRIMARY_REGION,
          objects: SECRET,
          usePodIdentity: "TRUE",
          preferredAddressType: "IPv6",
        },
        tokens: { "pods.eks.amazonaws.com": "eyJhbGciOiJSUzI1NiJ9.third-pod.c2ln" },
      });
      assert.equal(outcome.ok, true);
      assert.equal(ipv4.calls().length, before);
    });

    await t.step("a client error from the agent is fatal and says so", async () => {
      ipv4.setFault({}, {
        kind: "status",
        status: 400,
        code: "InvalidTokenException",
        message: "token is not valid",
      });
      const outcome = await mount(
        { preferredAddressType: "ipv4" },
        "eyJhbGciOiJSUzI1NiJ9.bad-pod.c2ln",
      );
      ipv4.clearFaults();
      assert.equal(outcome.ok, false);
      if (!outcome.ok) {
        assert.match(
          outcome.message,
          /^us-east-1: Failed fetching secret it-id-secret: .*InvalidTokenException: token is not valid$/,
        );
      }
    });

    await t.step("the Pod Identity audience is required", async () => {
      const outcome = await provider.driver.mount({
        targetPath: await provider.newTargetPath(),
        parameters: { region: PRIMARY_REGION, objects: SECRET, usePodIdentity: "true" },
        tokens: { "sts.amazonaws.com": "T~sts-only" },
      });
      assert.deepEqual(outcome, {
        ok: false,
        code: 2,
        message:
          'Pod Identity token extraction failed: token for audience "pods.eks.amazonaws.com" not found - ensure tokenRequests includes this audience in CSIDriver',
      });
    });
  },
});

Deno.test({
  name: "a Kubernetes 429 with Retry-After is waited out and retried, like client-go",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using stack = await startStack();
    const { kube, provider } = stack;
    await stack.seeder.createSecret(PRIMARY_REGION, "it-id-secret", "after-throttling");
    kube.setFault({ resource: "serviceaccounts" }, {
      kind: "throttle",
      retryAfterSeconds: 1,
      times: 1,
    });
    const started = Date.now();
    const outcome = await provider.driver.mount({
      targetPath: await provider.newTargetPath(),
      parameters: { region: PRIMARY_REGION, objects: SECRET },
    });
    assert.equal(outcome.ok, true, JSON.stringify(outcome));
    assert.ok(Date.now() - started >= 1_000);
    assert.deepEqual(kube.countBy(), { serviceaccounts: 2 });
  },
});
