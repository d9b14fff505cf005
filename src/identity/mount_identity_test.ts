import assert from "node:assert/strict";
import { FakeKube } from "../../test/fakes/mod.ts";
import { startPodIdentityAgent } from "../../devstack/mod.ts";
import { AwsFailureError, localFailure } from "../aws/mod.ts";
import { createLogger } from "../log/mod.ts";
import { CredentialError } from "./credential_error.ts";
import { TokenError } from "./service_account_tokens.ts";
import type { AwsCredentials } from "../aws/mod.ts";
import { KubeLookups, ROLE_ARN_ANNOTATION } from "./kube_lookups.ts";
import { type IdentityRequest, IdentityResolver } from "./mount_identity.ts";
import { TokenBucket } from "./rate_limiter.ts";
import type { ServiceAccountToken } from "./service_account_tokens.ts";
import type { WebIdentityApi } from "./sts_web_identity.ts";

const ROLE = "arn:aws:iam::123456789012:role/app";
const HOUR = 3_600_000;

/** An STS that records AssumeRoleWithWebIdentity calls. */
class FakeSts implements WebIdentityApi {
  calls: { roleArn: string; token: string; region: string }[] = [];
  lifetimeMs: number | undefined = HOUR;
  failure: Error | undefined;
  constructor(readonly clock: { now: number }) {}

  assumeRole(request: { roleArn: string; token: string; region: string }) {
    this.calls.push(request);
    if (this.failure) return Promise.reject(this.failure);
    const credentials: AwsCredentials = {
      accessKeyId: `AKIA-${this.calls.length}`,
      secretAccessKey: "secret",
      sessionToken: "session",
      expiration: this.lifetimeMs === undefined
        ? undefined
        : new Date(this.clock.now + this.lifetimeMs),
    };
    return Promise.resolve(credentials);
  }
}

function setup(options: { agentUrl?: string } = {}) {
  // Real time: the local agent computes Expiration from the real clock.
  const clock = { now: Date.now() };
  const kube = new FakeKube();
  kube.serviceAccounts.set("app/sa", { [ROLE_ARN_ANNOTATION]: ROLE });
  const sts = new FakeSts(clock);
  const lookups = new KubeLookups({
    kube: () => Promise.resolve(kube),
    limiter: new TokenBucket({ qps: -1, burst: 1 }),
    ttlMs: 0,
  });
  const resolver = new IdentityResolver({
    kube: lookups,
    sts,
    agent: {
      ipv4Endpoint: options.agentUrl ?? "http://127.0.0.1:9/v1/credentials",
      ipv6Endpoint: options.agentUrl ?? "http://[::1]:9/v1/credentials",
      maxAttempts: 1,
    },
    logger: createLogger({ write: () => {} }),
    now: () => clock.now,
  });
  return { clock, kube, sts, resolver };
}

function tokens(entries: Record<string, string>): Map<string, ServiceAccountToken> {
  return new Map(
    Object.entries(entries).map(([audience, token]) => [
      audience,
      { token, expirationTimestamp: "2030-01-01T01:00:00Z" },
    ]),
  );
}

function request(overrides: Partial<IdentityRequest> = {}): IdentityRequest {
  return {
    usePodIdentity: false,
    tokens: tokens({ "sts.amazonaws.com": "sts-token", "pods.eks.amazonaws.com": "pod-token" }),
    pod: { namespace: "app", name: "web-0", uid: "uid-1", serviceAccount: "sa" },
    preferredAddressType: "",
    context: {},
    ...overrides,
  };
}

async function mountError(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof CredentialError || error instanceof TokenError);
    return `${error.name}: ${error.message}`;
  }
  assert.fail("no CredentialError or TokenError");
}

Deno.test("IRSA resolves the service account's role without calling STS yet", async () => {
  const { sts, kube, resolver } = setup();
  const identity = await resolver.resolve(request());
  assert.equal(identity.principal, `irsa:${ROLE}`);
  assert.deepEqual(kube.calls, ["serviceaccounts app/sa"]);
  assert.equal(sts.calls.length, 0);
});

Deno.test("IRSA credentials assume the role with the sts.amazonaws.com token in the region", async () => {
  const { sts, resolver } = setup();
  const identity = await resolver.resolve(request());
  const credentials = await identity.credentials("eu-west-1")();
  assert.equal(credentials.accessKeyId, "AKIA-1");
  assert.deepEqual(sts.calls, [{ roleArn: ROLE, token: "sts-token", region: "eu-west-1" }]);
});

Deno.test("100 mounts with the same role and token make one STS call", async () => {
  const { sts, resolver } = setup();
  for (let i = 0; i < 100; i++) {
    const identity = await resolver.resolve(request());
    await identity.credentials("us-east-1")();
  }
  assert.equal(sts.calls.length, 1);
  assert.equal(resolver.fetches.sts, 1);
});

Deno.test("100 concurrent credential requests of one identity make one STS call", async () => {
  const { sts, resolver } = setup();
  const identities = await Promise.all(
    Array.from({ length: 100 }, () => resolver.resolve(request())),
  );
  await Promise.all(identities.map((identity) => identity.credentials("us-east-1")()));
  assert.equal(sts.calls.length, 1);
});

Deno.test("fresh credentials fetched for one region serve the other region too", async () => {
  const { sts, resolver } = setup();
  const identity = await resolver.resolve(request());
  await identity.credentials("us-east-1")();
  await identity.credentials("us-west-2")();
  assert.deepEqual(sts.calls.map((call) => call.region), ["us-east-1"]);
});

Deno.test("a new token means a new STS call", async () => {
  const { sts, resolver } = setup();
  await (await resolver.resolve(request())).credentials("us-east-1")();
  const rotated = request({
    tokens: tokens({ "sts.amazonaws.com": "sts-token-2" }),
  });
  await (await resolver.resolve(rotated)).credentials("us-east-1")();
  assert.deepEqual(sts.calls.map((call) => call.token), ["sts-token", "sts-token-2"]);
});

Deno.test("credentials are not shared between roles, even with the same token", async () => {
  const { sts, kube, resolver } = setup();
  kube.serviceAccounts.set("other/sa", { [ROLE_ARN_ANNOTATION]: `${ROLE}-other` });
  const first = await resolver.resolve(request());
  const second = await resolver.resolve(request({
    pod: { namespace: "other", name: "p", uid: "u", serviceAccount: "sa" },
  }));
  assert.notEqual(first.key, second.key);
  const [a, b] = [await first.credentials("us-east-1")(), await second.credentials("us-east-1")()];
  assert.notEqual(a.accessKeyId, b.accessKeyId);
  assert.deepEqual(sts.calls.map((call) => call.roleArn), [ROLE, `${ROLE}-other`]);
});

Deno.test("credentials are fetched again 5 minutes before they expire", async () => {
  const { sts, clock, resolver } = setup();
  const identity = await resolver.resolve(request());
  await identity.credentials("us-east-1")();
  clock.now += HOUR - 300_001;
  await identity.credentials("us-east-1")();
  assert.equal(sts.calls.length, 1);
  clock.now += 1;
  await identity.credentials("us-east-1")();
  assert.equal(sts.calls.length, 2);
});

Deno.test("credentials without an expiry are fetched for every use", async () => {
  const { sts, resolver } = setup();
  sts.lifetimeMs = undefined;
  const identity = await resolver.resolve(request());
  await identity.credentials("us-east-1")();
  await identity.credentials("us-east-1")();
  assert.equal(sts.calls.length, 2);
});

Deno.test("a failed STS call is passed on and not cached", async () => {
  const { sts, resolver } = setup();
  sts.failure = new AwsFailureError(localFailure("InvalidIdentityToken", "bad token", true));
  const identity = await resolver.resolve(request());
  await assert.rejects(identity.credentials("us-east-1")(), { message: "bad token" });
  sts.failure = undefined;
  assert.equal((await identity.credentials("us-east-1")()).accessKeyId, "AKIA-2");
});

Deno.test("IRSA without an sts.amazonaws.com token fails with the Go provider's text", async () => {
  const { kube, resolver } = setup();
  assert.equal(
    await mountError(
      resolver.resolve(request({ tokens: tokens({ "pods.eks.amazonaws.com": "x" }) })),
    ),
    'TokenError: IRSA token extraction failed: token for audience "sts.amazonaws.com" not found - ' +
      "ensure tokenRequests includes this audience in CSIDriver",
  );
  assert.equal(
    await mountError(resolver.resolve(request({ tokens: tokens({ "sts.amazonaws.com": "" }) }))),
    'TokenError: IRSA token extraction failed: token for audience "sts.amazonaws.com" is empty',
  );
  assert.deepEqual(kube.calls, []);
});

Deno.test("a failed service account lookup fails with the Go provider's text", async () => {
  const { resolver } = setup();
  const pod = { namespace: "app", name: "web-0", uid: "u", serviceAccount: "missing" };
  assert.equal(
    await mountError(resolver.resolve(request({ pod }))),
    'CredentialError: failed to get service account app/missing: serviceaccounts "missing" not found',
  );
});

Deno.test("a service account without a role fails with the Go provider's text", async () => {
  const { kube, resolver } = setup();
  kube.serviceAccounts.set("app/sa", { [ROLE_ARN_ANNOTATION]: "" });
  assert.equal(
    await mountError(resolver.resolve(request())),
    "CredentialError: An IAM role must be associated with service account sa (namespace: app)",
  );
  kube.serviceAccounts.set("app/sa", {});
  assert.equal(
    await mountError(resolver.resolve(request())),
    "CredentialError: An IAM role must be associated with service account sa (namespace: app)",
  );
});

Deno.test("a role annotation that is not a role ARN fails before any STS call", async () => {
  const { kube, resolver, sts } = setup();
  for (
    const bad of ["not-an-arn", "arn:aws:iam::123:role/x", `${ROLE}${"x".repeat(3000)}`, `${ROLE} `]
  ) {
    kube.serviceAccounts.set("app/sa", { [ROLE_ARN_ANNOTATION]: bad });
    const message = await mountError(resolver.resolve(request()));
    assert.ok(
      message.startsWith(
        "CredentialError: the annotation eks.amazonaws.com/role-arn of service account sa (namespace: app) is not an IAM role ARN: ",
      ),
      message,
    );
    assert.ok(message.length < 500, "a long annotation is cut in the message");
  }
  for (const good of [ROLE, "arn:aws-cn:iam::123456789012:role/path/to/r_o+l=e,.@-"]) {
    kube.serviceAccounts.set("app/sa", { [ROLE_ARN_ANNOTATION]: good });
    await resolver.resolve(request());
  }
  assert.deepEqual(sts.calls, []);
});

Deno.test("Pod Identity reads no Kubernetes object and names the pod's service account", async () => {
  const { kube, resolver } = setup();
  const identity = await resolver.resolve(request({ usePodIdentity: true }));
  assert.equal(identity.principal, "pod-identity:app/sa");
  assert.deepEqual(kube.calls, []);
});

Deno.test("Pod Identity without a pods.eks.amazonaws.com token fails with the Go provider's text", async () => {
  const { resolver } = setup();
  assert.equal(
    await mountError(
      resolver.resolve(
        request({ usePodIdentity: true, tokens: tokens({ "sts.amazonaws.com": "x" }) }),
      ),
    ),
    'TokenError: Pod Identity token extraction failed: token for audience "pods.eks.amazonaws.com" ' +
      "not found - ensure tokenRequests includes this audience in CSIDriver",
  );
  assert.equal(
    await mountError(
      resolver.resolve(
        request({ usePodIdentity: true, tokens: tokens({ "pods.eks.amazonaws.com": "" }) }),
      ),
    ),
    'TokenError: Pod Identity token extraction failed: token for audience "pods.eks.amazonaws.com" is empty',
  );
});

Deno.test("100 Pod Identity mounts with the same token ask the agent once, for both regions", async () => {
  await using agent = await startPodIdentityAgent({ tokens: { "pod-token": {} } });
  const { resolver } = setup({ agentUrl: agent.credentialsUrl });
  for (let i = 0; i < 100; i++) {
    const identity = await resolver.resolve(request({ usePodIdentity: true }));
    await identity.credentials("us-east-1")();
    await identity.credentials("us-west-2")();
  }
  assert.equal(agent.calls().length, 1);
  assert.equal(agent.calls()[0].authorization, "pod-token");
});

Deno.test("a new Pod Identity token asks the agent again; identities never share credentials", async () => {
  await using agent = await startPodIdentityAgent({
    tokens: { "pod-token": { AccessKeyId: "KEY-A" }, "other-token": { AccessKeyId: "KEY-B" } },
  });
  const { resolver } = setup({ agentUrl: agent.credentialsUrl });
  const first = await resolver.resolve(request({ usePodIdentity: true }));
  const second = await resolver.resolve(request({
    usePodIdentity: true,
    tokens: tokens({ "pods.eks.amazonaws.com": "other-token" }),
  }));
  assert.equal((await first.credentials("us-east-1")()).accessKeyId, "KEY-A");
  assert.equal((await second.credentials("us-east-1")()).accessKeyId, "KEY-B");
  assert.equal((await first.credentials("us-east-1")()).accessKeyId, "KEY-A");
  assert.deepEqual(agent.calls().map((r) => r.authorization), ["pod-token", "other-token"]);
});

Deno.test("an agent's client error reaches the caller as a fatal failure", async () => {
  await using agent = await startPodIdentityAgent({ tokens: {} });
  const { resolver } = setup({ agentUrl: agent.credentialsUrl });
  const identity = await resolver.resolve(request({ usePodIdentity: true }));
  const error = await identity.credentials("us-east-1")().catch((e) => e);
  assert.ok(error instanceof AwsFailureError);
  assert.equal(error.awsFailure.fatal, true);
  assert.equal(error.awsFailure.code, "InvalidTokenException");
});
