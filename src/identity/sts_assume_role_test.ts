import assert from "node:assert/strict";
import { FakeKube } from "../../test/fakes/mod.ts";
import { createSeeder, startFaultProxy, startMoto } from "../../devstack/mod.ts";
import { type AwsCredentials, AwsFailureError, localFailure } from "../aws/mod.ts";
import { createLogger } from "../log/mod.ts";
import { CredentialError } from "./credential_error.ts";
import { KubeLookups, ROLE_ARN_ANNOTATION } from "./kube_lookups.ts";
import { type IdentityRequest, IdentityResolver } from "./mount_identity.ts";
import { TokenBucket } from "./rate_limiter.ts";
import {
  type AssumeRoleApi,
  type AssumeRoleRequest,
  createStsAssumeRoleApi,
  defaultSessionName,
  isIamRoleArn,
} from "./sts_assume_role.ts";
import type { WebIdentityApi } from "./sts_web_identity.ts";
import { withEnv } from "../aws/_test_env.ts";

const SOURCE_ROLE = "arn:aws:iam::123456789012:role/app";
const TARGET_ROLE = "arn:aws:iam::444455556666:role/shared-secrets";
const HOUR = 3_600_000;

Deno.test("role ARNs are checked before they reach a cache or STS", () => {
  assert.ok(isIamRoleArn(TARGET_ROLE));
  assert.ok(isIamRoleArn("arn:aws-us-gov:iam::123456789012:role/path/to/r+=,.@-"));
  for (
    const bad of [
      "",
      "arn:aws:iam::12345678901:role/r",
      "arn:aws:iam::123456789012:user/r",
      "arn:aws:sts::123456789012:assumed-role/r/s",
      `arn:aws:iam::123456789012:role/${"r".repeat(2001)}`,
      "arn:aws:iam::123456789012:role/r\n",
    ]
  ) {
    assert.equal(isIamRoleArn(bad), false, bad);
  }
});

Deno.test("the default session name is the pod's namespace and name, made valid for STS", () => {
  const pod = (namespace: string, name: string) => ({
    namespace,
    name,
    uid: "",
    serviceAccount: "",
  });
  assert.equal(defaultSessionName(pod("shop", "api-7d9f8")), "shop.api-7d9f8");
  assert.equal(defaultSessionName(pod("a", "b/c d:é")), "a.b-c-d--");
  assert.equal(defaultSessionName(pod("n".repeat(40), "p".repeat(40))).length, 64);
  assert.equal(defaultSessionName(pod("", "")), "secrets-store-csi");
});

Deno.test("STS AssumeRole against moto: signed with the source credentials, duration honoured", async () => {
  await using moto = await startMoto();
  await using proxy = await startFaultProxy(moto.url);
  using seeder = createSeeder(moto.url);
  const source = await seeder.assumeRoleWithWebIdentity("us-east-1", SOURCE_ROLE, "tok-1234");
  const request: AssumeRoleRequest & { region: string } = {
    roleArn: TARGET_ROLE,
    externalId: "ext-id-42",
    durationSeconds: 1800,
    sessionName: "shop.api-7d9f8",
    region: "us-west-2",
  };
  await withEnv({ AWS_ENDPOINT_URL_STS: proxy.url, AWS_MAX_ATTEMPTS: "1" }, async () => {
    const api = createStsAssumeRoleApi();
    const before = Date.now();
    const credentials = await api.assumeRole(request, {
      source: () => Promise.resolve(source),
    });
    assert.match(credentials.accessKeyId, /^\w{16,}$/);
    assert.notEqual(credentials.accessKeyId, source.accessKeyId);
    const lifetime = credentials.expiration!.getTime() - before;
    assert.ok(lifetime > 1790_000 && lifetime <= 1801_000, `lifetime ${lifetime} ms`);
    const calls = proxy.calls().filter((call) => call.api === "AssumeRole");
    assert.equal(calls.length, 1);
    assert.equal(calls[0].accessKeyId, source.accessKeyId);
    assert.equal(calls[0].region, "us-west-2");

    proxy.setFault({ api: "AssumeRole" }, { kind: "accessDenied", times: 1 });
    const error = await api.assumeRole(request, { source: () => Promise.resolve(source) })
      .then(() => undefined, (error) => error);
    assert.ok(error instanceof AwsFailureError);
    assert.equal(error.awsFailure.fatal, false);
    assert.match(
      error.awsFailure.text,
      /^operation error STS: AssumeRole, https response error StatusCode: 403/,
    );
  });
});

/** AssumeRole calls recorded; each answers credentials valid for an hour. */
class FakeAssumeRole implements AssumeRoleApi {
  calls: (AssumeRoleRequest & { region: string; sourceKey: string })[] = [];
  failure: AwsFailureError | undefined;
  delayMs = 0;
  constructor(readonly clock: { now: number }) {}

  async assumeRole(
    request: AssumeRoleRequest & { region: string },
    options: { source: () => Promise<AwsCredentials> },
  ): Promise<AwsCredentials> {
    const source = await options.source();
    this.calls.push({ ...request, sourceKey: source.accessKeyId });
    await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    if (this.failure) throw this.failure;
    return {
      accessKeyId: `CHAINED-${this.calls.length}`,
      secretAccessKey: "x",
      sessionToken: "s",
      expiration: new Date(this.clock.now + request.durationSeconds * 1000),
    };
  }
}

function setup() {
  const clock = { now: Date.now() };
  const kube = new FakeKube();
  kube.serviceAccounts.set("app/sa", { [ROLE_ARN_ANNOTATION]: SOURCE_ROLE });
  const webIdentity: WebIdentityApi & { calls: number } = {
    calls: 0,
    assumeRole({ token }) {
      this.calls++;
      return Promise.resolve({
        accessKeyId: `SOURCE-${token}`,
        secretAccessKey: "x",
        expiration: new Date(clock.now + HOUR),
      });
    },
  };
  const assumeRole = new FakeAssumeRole(clock);
  const resolver = new IdentityResolver({
    kube: new KubeLookups({
      kube: () => Promise.resolve(kube),
      limiter: new TokenBucket({ qps: -1, burst: 1 }),
      ttlMs: 0,
    }),
    sts: webIdentity,
    assumeRole,
    agent: { ipv4Endpoint: "http://127.0.0.1:9/", ipv6Endpoint: "http://[::1]:9/" },
    logger: createLogger({ write: () => {} }),
    now: () => clock.now,
  });
  return { clock, webIdentity, assumeRole, resolver };
}

function request(
  overrides: { token?: string; role?: Partial<AssumeRoleRequest> } = {},
): IdentityRequest {
  return {
    usePodIdentity: false,
    tokens: new Map([["sts.amazonaws.com", {
      token: overrides.token ?? "tok-a",
      expirationTimestamp: "2030-01-01T00:00:00Z",
    }]]),
    pod: { namespace: "app", name: "web-0", uid: "u", serviceAccount: "sa" },
    preferredAddressType: "",
    context: {},
    assumeRole: {
      roleArn: TARGET_ROLE,
      externalId: "",
      durationSeconds: 900,
      sessionName: "app.web-0",
      ...overrides.role,
    },
  };
}

Deno.test("with assumeRoleArn, every region's credentials are the chained ones, from the pod's own", async () => {
  const { assumeRole, resolver } = setup();
  const identity = await resolver.resolve(request());
  assert.equal(identity.principal, `irsa:${SOURCE_ROLE} assume-role:${TARGET_ROLE}`);
  const east = await identity.credentials("us-east-1")();
  assert.equal(east.accessKeyId, "CHAINED-1");
  assert.deepEqual(assumeRole.calls, [{
    roleArn: TARGET_ROLE,
    externalId: "",
    durationSeconds: 900,
    sessionName: "app.web-0",
    region: "us-east-1",
    sourceKey: "SOURCE-tok-a",
  }]);
  assert.equal((await identity.credentials("us-west-2")()).accessKeyId, "CHAINED-1", "shared");
});

Deno.test("warm mounts make no STS call; concurrent cold mounts share one", async () => {
  const { assumeRole, webIdentity, resolver } = setup();
  assumeRole.delayMs = 20;
  await Promise.all(Array.from({ length: 20 }, async () => {
    const identity = await resolver.resolve(request());
    await identity.credentials("us-east-1")();
  }));
  assert.equal(assumeRole.calls.length, 1);
  assert.equal(webIdentity.calls, 1);
  for (let i = 0; i < 10; i++) await (await resolver.resolve(request())).credentials("us-east-1")();
  assert.equal(assumeRole.calls.length, 1);
  assert.equal(resolver.fetches.assumeRole, 1);
});

Deno.test("chained credentials are kept per source token, role, external id and duration", async () => {
  const { assumeRole, resolver } = setup();
  const fetch = async (overrides: Parameters<typeof request>[0]) =>
    (await (await resolver.resolve(request(overrides))).credentials("us-east-1")()).accessKeyId;
  assert.equal(await fetch({}), "CHAINED-1");
  assert.equal(await fetch({ token: "tok-b" }), "CHAINED-2", "another pod's token");
  assert.equal(await fetch({ role: { externalId: "x-1" } }), "CHAINED-3");
  assert.equal(await fetch({ role: { durationSeconds: 3600 } }), "CHAINED-4");
  assert.equal(
    await fetch({ role: { roleArn: "arn:aws:iam::444455556666:role/other" } }),
    "CHAINED-5",
  );
  assert.equal(
    await fetch({ role: { sessionName: "another.pod" } }),
    "CHAINED-1",
    "not in the key",
  );
  assert.equal(assumeRole.calls.length, 5);
});

Deno.test("chained credentials are replaced shortly before they expire", async () => {
  const { clock, assumeRole, resolver } = setup();
  const fetch = async () => (await (await resolver.resolve(request())).credentials("us-east-1")());
  await fetch();
  clock.now += 9 * 60_000; // 900 s credentials, replaced 5 minutes before their end
  await fetch();
  assert.equal(assumeRole.calls.length, 1);
  clock.now += 2 * 60_000;
  await fetch();
  assert.equal(assumeRole.calls.length, 2);
});

Deno.test("a refusal names the role and the source principal, and is not cached", async () => {
  const { assumeRole, resolver } = setup();
  assumeRole.failure = new AwsFailureError({
    code: "AccessDenied",
    message: "not authorized to perform: sts:AssumeRole",
    httpStatus: 403,
    fatal: false,
    text:
      "operation error STS: AssumeRole, https response error StatusCode: 403, RequestID: r, AccessDenied: not authorized to perform: sts:AssumeRole",
  });
  const identity = await resolver.resolve(request());
  const error = await identity.credentials("us-east-1")().then(() => undefined, (e) => e);
  assert.ok(error instanceof AwsFailureError);
  assert.equal(
    error.awsFailure.message,
    `assuming role ${TARGET_ROLE} as irsa:${SOURCE_ROLE}: not authorized to perform: sts:AssumeRole`,
  );
  assert.match(error.awsFailure.text, new RegExp(`^assuming role ${TARGET_ROLE} as irsa:`));
  assert.equal(error.awsFailure.fatal, false);
  assumeRole.failure = undefined;
  assert.equal((await identity.credentials("us-east-1")()).accessKeyId, "CHAINED-2");
});

Deno.test("without an AssumeRole API a class with assumeRoleArn fails with a CredentialError", async () => {
  const resolver = new IdentityResolver({
    kube: new KubeLookups({
      kube: () => Promise.resolve(new FakeKube()),
      limiter: new TokenBucket({ qps: -1, burst: 1 }),
      ttlMs: 0,
    }),
    sts: { assumeRole: () => Promise.reject(new AwsFailureError(localFailure("X", "x"))) },
    agent: { ipv4Endpoint: "http://127.0.0.1:9/", ipv6Endpoint: "http://[::1]:9/" },
    logger: createLogger({ write: () => {} }),
  });
  const kubeless = { ...request(), usePodIdentity: true };
  kubeless.tokens.set("pods.eks.amazonaws.com", kubeless.tokens.get("sts.amazonaws.com")!);
  await assert.rejects(() => resolver.resolve(kubeless), CredentialError);
});
