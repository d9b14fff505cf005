import assert from "node:assert/strict";
import { FakeKube } from "../../test/fakes/mod.ts";
import { type KubeApi, KubeApiError } from "./kube_api.ts";
import { KubeLookups, REGION_LABEL, ROLE_ARN_ANNOTATION } from "./kube_lookups.ts";
import { RateLimitError, TokenBucket } from "./rate_limiter.ts";

const ROLE = "arn:aws:iam::123456789012:role/app";

function setup(
  options: { ttlMs?: number; qps?: number; burst?: number; awsRegion?: string } = {},
) {
  const clock = { now: 1_000_000 };
  const kube = new FakeKube();
  let factoryCalls = 0;
  const lookups = new KubeLookups({
    awsRegion: options.awsRegion,
    kube: () => {
      factoryCalls++;
      return Promise.resolve(kube);
    },
    limiter: new TokenBucket({
      qps: options.qps ?? -1,
      burst: options.burst ?? 1,
      now: () => clock.now,
    }),
    ttlMs: options.ttlMs ?? 30_000,
    now: () => clock.now,
  });
  return { kube, lookups, clock, factoryCalls: () => factoryCalls };
}

const POD = { namespace: "app", name: "web-0", uid: "uid-1" };

async function rejection(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as Error).message;
  }
  assert.fail("did not reject");
}

Deno.test("roleArn reads the service account's role annotation", async () => {
  const { kube, lookups } = setup();
  kube.serviceAccounts.set("app/sa", { [ROLE_ARN_ANNOTATION]: ROLE, other: "x" });
  assert.equal(ROLE_ARN_ANNOTATION, "eks.amazonaws.com/role-arn");
  assert.equal(await lookups.roleArn("app", "sa"), ROLE);
});

Deno.test("roleArn is an empty string when the annotation is missing", async () => {
  const { kube, lookups } = setup();
  kube.serviceAccounts.set("app/sa", {});
  assert.equal(await lookups.roleArn("app", "sa"), "");
});

Deno.test("roleArn reuses an answer within the TTL and asks again after it", async () => {
  const { kube, lookups, clock } = setup({ ttlMs: 30_000 });
  kube.serviceAccounts.set("app/sa", { [ROLE_ARN_ANNOTATION]: ROLE });
  for (let i = 0; i < 100; i++) await lookups.roleArn("app", "sa");
  assert.equal(lookups.calls.serviceaccounts, 1);
  kube.serviceAccounts.set("app/sa", { [ROLE_ARN_ANNOTATION]: `${ROLE}-changed` });
  clock.now += 29_999;
  assert.equal(await lookups.roleArn("app", "sa"), ROLE);
  clock.now += 1;
  assert.equal(await lookups.roleArn("app", "sa"), `${ROLE}-changed`);
  assert.deepEqual(kube.calls, ["serviceaccounts app/sa", "serviceaccounts app/sa"]);
  assert.deepEqual(lookups.cacheStats, { hits: 100, misses: 2 });
});

Deno.test("roleArn keeps service accounts of different namespaces apart", async () => {
  const { kube, lookups } = setup();
  kube.serviceAccounts.set("a/sa", { [ROLE_ARN_ANNOTATION]: "role-a" });
  kube.serviceAccounts.set("b/sa", { [ROLE_ARN_ANNOTATION]: "role-b" });
  assert.deepEqual([await lookups.roleArn("a", "sa"), await lookups.roleArn("b", "sa")], [
    "role-a",
    "role-b",
  ]);
});

Deno.test("concurrent roleArn lookups of one service account make one call", async () => {
  const { kube, lookups } = setup();
  kube.serviceAccounts.set("app/sa", { [ROLE_ARN_ANNOTATION]: ROLE });
  const roles = await Promise.all(Array.from({ length: 20 }, () => lookups.roleArn("app", "sa")));
  assert.equal(new Set(roles).size, 1);
  assert.equal(kube.calls.length, 1);
});

Deno.test("a failed lookup passes the API's message on and is not cached", async () => {
  const { kube, lookups } = setup();
  assert.equal(
    await rejection(lookups.roleArn("app", "missing")),
    'serviceaccounts "missing" not found',
  );
  kube.serviceAccounts.set("app/missing", { [ROLE_ARN_ANNOTATION]: ROLE });
  assert.equal(await lookups.roleArn("app", "missing"), ROLE);
  assert.equal(lookups.calls.serviceaccounts, 2);
});

Deno.test("a TTL of 0 asks the API every time", async () => {
  const { kube, lookups } = setup({ ttlMs: 0 });
  kube.serviceAccounts.set("app/sa", { [ROLE_ARN_ANNOTATION]: ROLE });
  await lookups.roleArn("app", "sa");
  await lookups.roleArn("app", "sa");
  assert.equal(lookups.calls.serviceaccounts, 2);
});

Deno.test("region reads the region label of the pod's node", async () => {
  const { kube, lookups } = setup();
  kube.pods.set("app/web-0", "node-1");
  kube.nodes.set("node-1", { [REGION_LABEL]: "eu-west-1", "kubernetes.io/os": "linux" });
  assert.equal(REGION_LABEL, "topology.kubernetes.io/region");
  assert.equal(await lookups.region(POD), "eu-west-1");
  assert.deepEqual(kube.calls, ["pods app/web-0", "nodes node-1"]);
});

Deno.test("region reuses pod and node answers within the TTL", async () => {
  const { kube, lookups, clock } = setup({ ttlMs: 10_000 });
  kube.pods.set("app/web-0", "node-1");
  kube.pods.set("app/web-1", "node-1");
  kube.nodes.set("node-1", { [REGION_LABEL]: "eu-west-1" });
  await lookups.region(POD);
  await lookups.region(POD);
  await lookups.region({ ...POD, name: "web-1", uid: "uid-2" });
  assert.deepEqual(kube.calls, ["pods app/web-0", "nodes node-1", "pods app/web-1"]);
  clock.now += 10_000;
  await lookups.region(POD);
  assert.deepEqual(lookups.calls, { serviceaccounts: 0, pods: 3, nodes: 2 });
});

Deno.test("a recreated pod with the same name but a new UID is looked up again", async () => {
  const { kube, lookups } = setup();
  kube.pods.set("app/web-0", "node-1");
  kube.nodes.set("node-1", { [REGION_LABEL]: "eu-west-1" });
  kube.nodes.set("node-2", { [REGION_LABEL]: "eu-central-1" });
  assert.equal(await lookups.region(POD), "eu-west-1");
  kube.pods.set("app/web-0", "node-2");
  assert.equal(await lookups.region({ ...POD, uid: "uid-new" }), "eu-central-1");
});

Deno.test("a node without the region label gives `Region not found`, not cached", async () => {
  const { kube, lookups } = setup();
  kube.pods.set("app/web-0", "node-1");
  kube.nodes.set("node-1", {});
  assert.equal(await rejection(lookups.region(POD)), "Region not found");
  kube.nodes.set("node-1", { [REGION_LABEL]: "" });
  assert.equal(await rejection(lookups.region(POD)), "Region not found");
  kube.nodes.set("node-1", { [REGION_LABEL]: "us-east-2" });
  assert.equal(await lookups.region(POD), "us-east-2");
  assert.equal(lookups.calls.nodes, 3);
});

Deno.test("an unscheduled pod fails like client-go's node GET and is asked again next time", async () => {
  const { kube, lookups } = setup();
  kube.pods.set("app/web-0", "");
  assert.equal(await rejection(lookups.region(POD)), "resource name may not be empty");
  assert.equal(lookups.calls.nodes, 0);
  kube.pods.set("app/web-0", "node-1");
  kube.nodes.set("node-1", { [REGION_LABEL]: "us-east-2" });
  assert.equal(await lookups.region(POD), "us-east-2");
  assert.equal(lookups.calls.pods, 2);
});

Deno.test("API errors of pod and node reads are passed on", async () => {
  const { kube, lookups } = setup();
  assert.equal(await rejection(lookups.region(POD)), 'pods "web-0" not found');
  kube.pods.set("app/web-0", "node-9");
  assert.equal(await rejection(lookups.region(POD)), 'nodes "node-9" not found');
});

Deno.test("every API call takes a token from the rate limiter; cached answers do not", async () => {
  const { kube, lookups, clock } = setup({ qps: 1, burst: 3 });
  kube.serviceAccounts.set("app/sa", { [ROLE_ARN_ANNOTATION]: ROLE });
  kube.pods.set("app/web-0", "node-1");
  kube.nodes.set("node-1", { [REGION_LABEL]: "eu-west-1" });
  const context = { deadline: clock.now + 500 };
  await lookups.roleArn("app", "sa", context);
  await lookups.roleArn("app", "sa", context); // cached: no token
  await lookups.region(POD, context); // pod and node: the burst's other two tokens
  const error = await lookups.region({ ...POD, uid: "other" }, context).catch((e) => e);
  assert.ok(error instanceof RateLimitError);
  assert.equal(
    error.message,
    "client rate limiter Wait returned an error: rate: Wait(n=1) would exceed context deadline",
  );
  assert.deepEqual(kube.calls, ["serviceaccounts app/sa", "pods app/web-0", "nodes node-1"]);
});

Deno.test("the API client is created only when a call is needed", async () => {
  const { kube, lookups, factoryCalls } = setup();
  kube.serviceAccounts.set("app/sa", { [ROLE_ARN_ANNOTATION]: ROLE });
  assert.equal(factoryCalls(), 0);
  await lookups.roleArn("app", "sa");
  await lookups.roleArn("app", "sa");
  assert.equal(factoryCalls(), 1);
});

/** A Kubernetes API whose service account reads fail with `errors` first. */
function throttledKube(errors: KubeApiError[]): KubeApi & { calls: number } {
  const kube = {
    calls: 0,
    getServiceAccount() {
      kube.calls++;
      const error = errors.shift();
      return error
        ? Promise.reject(error)
        : Promise.resolve({ annotations: { [ROLE_ARN_ANNOTATION]: ROLE } });
    },
    getPod: () => Promise.reject(new Error("unused")),
    getNode: () => Promise.reject(new Error("unused")),
  };
  return kube;
}

function lookupsOver(kube: KubeApi): KubeLookups {
  return new KubeLookups({
    kube: () => Promise.resolve(kube),
    limiter: new TokenBucket({ qps: -1, burst: 1 }),
    ttlMs: 0,
  });
}

Deno.test("a 429 with Retry-After is retried after the delay, like client-go", async () => {
  const kube = throttledKube([
    new KubeApiError("Too many requests", 429, { retryAfterSeconds: 1 }),
  ]);
  const started = Date.now();
  assert.equal(await lookupsOver(kube).roleArn("app", "sa"), ROLE);
  assert.equal(kube.calls, 2);
  assert.ok(Date.now() - started >= 1_000);
});

Deno.test("a 429 is not retried when the retry would come after the deadline", async () => {
  const kube = throttledKube([
    new KubeApiError("Too many requests", 429, { retryAfterSeconds: 5 }),
  ]);
  const message = await rejection(
    lookupsOver(kube).roleArn("app", "sa", { deadline: Date.now() + 2_000 }),
  );
  assert.equal(message, "Too many requests");
  assert.equal(kube.calls, 1);
});

Deno.test("errors without Retry-After (404, 403) are not retried", async () => {
  const kube = throttledKube([new KubeApiError('serviceaccounts "sa" not found', 404)]);
  assert.equal(
    await rejection(lookupsOver(kube).roleArn("app", "sa")),
    'serviceaccounts "sa" not found',
  );
  assert.equal(kube.calls, 1);
});

Deno.test("the provider's AWS_REGION is every pod's region, with no Kubernetes call", async () => {
  const { lookups, kube } = setup({ awsRegion: "eu-central-1" });
  assert.equal(await lookups.region({ namespace: "app", name: "p", uid: "u" }), "eu-central-1");
  assert.deepEqual(kube.calls, []);
});
