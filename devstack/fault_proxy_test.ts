import assert from "node:assert/strict";
import {
  BatchGetSecretValueCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { GetParametersCommand, SSMClient } from "@aws-sdk/client-ssm";
import { AssumeRoleWithWebIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { createSeeder, testClientConfig } from "./aws_seed.ts";
import { classifyAwsRequest, startFaultProxy } from "./fault_proxy.ts";
import { startMoto } from "./moto_server.ts";

const EAST = "us-east-1";
const WEST = "us-west-2";
const ROLE_ARN = "arn:aws:iam::123456789012:role/secrets-reader";

function signed(region: string, service: string): string {
  return `AWS4-HMAC-SHA256 Credential=AKIDTEST/20260101/${region}/${service}/aws4_request, ` +
    "SignedHeaders=host;x-amz-date, Signature=00";
}

Deno.test("classifyAwsRequest reads region, service and api", () => {
  const none = new Uint8Array();
  assert.deepEqual(
    classifyAwsRequest({
      authorization: signed(EAST, "secretsmanager"),
      "x-amz-target": "secretsmanager.GetSecretValue",
    }, none),
    { service: "secretsmanager", api: "GetSecretValue", region: EAST },
  );
  assert.deepEqual(
    classifyAwsRequest({
      authorization: signed("eu-central-1", "ssm"),
      "x-amz-target": "AmazonSSM.GetParameters",
    }, none),
    { service: "ssm", api: "GetParameters", region: "eu-central-1" },
  );
  const form = { "content-type": "application/x-www-form-urlencoded; charset=utf-8" };
  const query = (text: string) => new TextEncoder().encode(text);
  assert.deepEqual(
    classifyAwsRequest(
      { ...form, authorization: signed(WEST, "sts") },
      query("Action=GetCallerIdentity&Version=2011-06-15"),
    ),
    { service: "sts", api: "GetCallerIdentity", region: WEST },
  );
  // AssumeRoleWithWebIdentity is sent unsigned: no region to read.
  assert.deepEqual(
    classifyAwsRequest(form, query("Action=AssumeRoleWithWebIdentity&Version=2011-06-15")),
    { service: "sts", api: "AssumeRoleWithWebIdentity", region: "" },
  );
  assert.deepEqual(classifyAwsRequest({}, none), {
    service: "unknown",
    api: "unknown",
    region: "",
  });
});

Deno.test("fault proxy", async (t) => {
  await using moto = await startMoto();
  await using proxy = await startFaultProxy(moto.url);
  using seeder = createSeeder(moto.url);
  for (const region of [EAST, WEST]) {
    await seeder.createSecret(region, "app/db", `pw-${region}`);
    await seeder.createSecret(region, "app/key", new Uint8Array([0, 1, 254, 255]));
    await seeder.putParameter(region, "/app/mode", `mode-${region}`);
  }
  const clients: { destroy(): void }[] = [];
  const client = <T extends { destroy(): void }>(c: T): T => (clients.push(c), c);
  // maxAttempts 1: SDK retries would hide the injected faults.
  const once = (region: string) => ({ ...testClientConfig(proxy.url, region), maxAttempts: 1 });
  const sm: Record<string, SecretsManagerClient> = {
    [EAST]: client(new SecretsManagerClient(once(EAST))),
    [WEST]: client(new SecretsManagerClient(once(WEST))),
  };
  const ssm: Record<string, SSMClient> = {
    [EAST]: client(new SSMClient(once(EAST))),
    [WEST]: client(new SSMClient(once(WEST))),
  };
  const getSecret = (region: string, options?: { abortSignal?: AbortSignal }) =>
    sm[region].send(new GetSecretValueCommand({ SecretId: "app/db" }), options);
  const sdkError = async (call: Promise<unknown>) => {
    const error = await call.then(
      () => assert.fail("expected an error"),
      (e: unknown) => e as Error & { code?: string; $metadata?: { httpStatusCode?: number } },
    );
    return { name: error.name, status: error.$metadata?.httpStatusCode, message: error.message };
  };
  const step = (name: string, fn: () => Promise<void>) =>
    t.step(name, async () => {
      proxy.clearFaults();
      proxy.resetCalls();
      proxy.setLatency(0);
      await fn();
    });

  try {
    await step("passes requests through, per region", async () => {
      for (const region of [EAST, WEST]) {
        assert.equal((await getSecret(region)).SecretString, `pw-${region}`);
        const params = await ssm[region].send(new GetParametersCommand({ Names: ["/app/mode"] }));
        assert.equal(params.Parameters?.[0].Value, `mode-${region}`);
      }
      assert.deepEqual(proxy.calls(), [
        {
          service: "secretsmanager",
          api: "GetSecretValue",
          region: EAST,
          status: 200,
          accessKeyId: "AKIDTEST",
        },
        {
          service: "ssm",
          api: "GetParameters",
          region: EAST,
          status: 200,
          accessKeyId: "AKIDTEST",
        },
        {
          service: "secretsmanager",
          api: "GetSecretValue",
          region: WEST,
          status: 200,
          accessKeyId: "AKIDTEST",
        },
        {
          service: "ssm",
          api: "GetParameters",
          region: WEST,
          status: 200,
          accessKeyId: "AKIDTEST",
        },
      ]);
    });

    await step("forwards binary bodies exactly", async () => {
      const out = await sm[WEST].send(
        new BatchGetSecretValueCommand({ SecretIdList: ["app/key", "app/db"] }),
      );
      const values = out.SecretValues?.map((v) => v.SecretBinary ?? v.SecretString);
      assert.deepEqual(values, [new Uint8Array([0, 1, 254, 255]), `pw-${WEST}`]);
    });

    await step("counts calls by service, api and region", async () => {
      await getSecret(EAST);
      await getSecret(EAST);
      await getSecret(WEST);
      await sm[EAST].send(new BatchGetSecretValueCommand({ SecretIdList: ["app/db"] }));
      assert.deepEqual(proxy.countBy(), {
        "secretsmanager.GetSecretValue.us-east-1": 2,
        "secretsmanager.GetSecretValue.us-west-2": 1,
        "secretsmanager.BatchGetSecretValue.us-east-1": 1,
      });
      assert.deepEqual(proxy.countBy((call) => call.region), { [EAST]: 3, [WEST]: 1 });
    });

    await step("status faults are AWS JSON errors", async () => {
      proxy.setFault({ service: "secretsmanager" }, { kind: "status", status: 500 });
      proxy.setFault({ service: "ssm" }, { kind: "status", status: 500 });
      assert.deepEqual(await sdkError(getSecret(EAST)), {
        name: "InternalServiceError",
        status: 500,
        message: "fault injected by fault_proxy",
      });
      const params = ssm[EAST].send(new GetParametersCommand({ Names: ["/app/mode"] }));
      assert.deepEqual(await sdkError(params), {
        name: "InternalServerError",
        status: 500,
        message: "fault injected by fault_proxy",
      });
      proxy.setFault({}, { kind: "status", status: 503, code: "ServiceUnavailable", message: "x" });
      proxy.setFault({ service: "secretsmanager" }, { kind: "status", status: 400 });
      assert.deepEqual(await sdkError(getSecret(WEST)), {
        name: "ValidationException",
        status: 400,
        message: "fault injected by fault_proxy",
      });
      assert.equal(proxy.calls()[0].fault, "status");
    });

    await step("text faults answer plain text, as a load balancer would", async () => {
      proxy.setFault({ region: EAST }, {
        kind: "text",
        status: 502,
        body: "<html>bad gateway</html>",
      });
      const failed = await sdkError(getSecret(EAST));
      assert.equal(failed.status, 502);
      assert.deepEqual(proxy.calls().map((c) => [c.status, c.fault]), [[502, "text"]]);
    });

    await step("throttle and accessDenied faults", async () => {
      proxy.setFault({ api: "GetSecretValue" }, { kind: "throttle" });
      assert.deepEqual(await sdkError(getSecret(EAST)), {
        name: "ThrottlingException",
        status: 400,
        message: "Rate exceeded",
      });
      proxy.setFault({ api: "GetSecretValue" }, { kind: "accessDenied" });
      const denied = await sdkError(getSecret(EAST));
      assert.deepEqual([denied.name, denied.status], ["AccessDeniedException", 400]);
      assert.deepEqual(proxy.calls().map((c) => [c.status, c.fault]), [
        [400, "throttle"],
        [400, "accessDenied"],
      ]);
    });

    await step("STS faults are query-protocol XML errors", async () => {
      const sts = client(new STSClient(once(EAST)));
      const assume = () =>
        sts.send(
          new AssumeRoleWithWebIdentityCommand({
            RoleArn: ROLE_ARN,
            RoleSessionName: "test",
            WebIdentityToken: "token",
          }),
        );
      assert.ok((await assume()).Credentials?.AccessKeyId);
      proxy.setFault({ service: "sts" }, { kind: "accessDenied" });
      const denied = await sdkError(assume());
      assert.deepEqual([denied.name, denied.status], ["AccessDenied", 403]);
      proxy.setFault({ service: "sts" }, { kind: "status", status: 500 });
      assert.deepEqual(await sdkError(assume()), {
        name: "InternalFailure",
        status: 500,
        message: "fault injected by fault_proxy",
      });
      proxy.setFault({ service: "sts" }, { kind: "throttle" });
      const throttled = await sdkError(assume());
      assert.deepEqual([throttled.name, throttled.status], ["Throttling", 400]);
      assert.deepEqual(proxy.countBy(), { "sts.AssumeRoleWithWebIdentity.": 4 });
    });

    await step("the most specific fault wins, then the last set", async () => {
      proxy.setFault({ region: WEST, api: "GetSecretValue" }, { kind: "throttle" });
      proxy.setFault({ service: "secretsmanager" }, { kind: "status", status: 500 });
      assert.equal((await sdkError(getSecret(EAST))).name, "InternalServiceError");
      assert.equal((await sdkError(getSecret(WEST))).name, "ThrottlingException");
      proxy.setFault({ service: "secretsmanager" }, { kind: "accessDenied" }); // set last: covers the 500
      assert.equal((await sdkError(getSecret(EAST))).name, "AccessDeniedException");
      proxy.setFault({ api: "GetSecretValue" }, { kind: "status", status: 502 });
      assert.equal((await sdkError(getSecret(EAST))).status, 502); // same specificity, set last
    });

    await step("times limits a fault, then requests pass", async () => {
      proxy.setFault({ region: EAST }, { kind: "throttle", times: 2 });
      assert.equal((await sdkError(getSecret(EAST))).name, "ThrottlingException");
      assert.equal((await sdkError(getSecret(EAST))).name, "ThrottlingException");
      assert.equal((await getSecret(EAST)).SecretString, `pw-${EAST}`);

      // With retries on, the SDK rides over a transient fault.
      const retrying = client(new SecretsManagerClient(testClientConfig(proxy.url, WEST)));
      proxy.resetCalls();
      proxy.setFault({ region: WEST }, { kind: "status", status: 500, times: 2 });
      const out = await retrying.send(new GetSecretValueCommand({ SecretId: "app/db" }));
      assert.equal(out.$metadata.attempts, 3);
      assert.deepEqual(proxy.calls().map((c) => c.status), [500, 500, 200]);
    });

    await step("hang holds the request until the client gives up", async () => {
      proxy.setFault({ api: "GetSecretValue" }, { kind: "hang" });
      const started = Date.now();
      const aborted = await sdkError(getSecret(EAST, { abortSignal: AbortSignal.timeout(300) }));
      assert.equal(aborted.name, "AbortError");
      assert.ok(Date.now() - started >= 290);

      // @smithy/node-http-handler 4.x only logs a warning when requestTimeout
      // passes, unless throwOnRequestTimeout is set; socketTimeout throws.
      for (
        const handler of [{ requestTimeout: 300, throwOnRequestTimeout: true }, {
          socketTimeout: 300,
        }]
      ) {
        const impatient = client(
          new SecretsManagerClient({ ...once(EAST), requestHandler: handler }),
        );
        const timedOut = await sdkError(
          impatient.send(new GetSecretValueCommand({ SecretId: "app/db" })),
        );
        assert.equal(timedOut.name, "TimeoutError");
      }
      assert.equal(proxy.calls()[0].status, 0);
      assert.equal(proxy.calls()[0].fault, "hang");
    });

    await step("reset drops the connection without a response", async () => {
      proxy.setFault({ api: "GetSecretValue" }, { kind: "reset" });
      const dropped = await getSecret(WEST).then(
        () => assert.fail("expected an error"),
        (e: unknown) => e as Error & { code?: string; $metadata?: { httpStatusCode?: number } },
      );
      assert.equal(dropped.$metadata?.httpStatusCode, undefined);
      assert.match(`${dropped.code} ${dropped.message}`, /ECONNRESET|socket hang up/);
      // Deno's node:http client resends once when a reused keep-alive socket
      // resets, so there may be 1 or 2 calls. WEST: a resend of the timeout
      // step's EAST request may arrive late.
      const calls = proxy.calls().filter((c) => c.region === WEST);
      assert.ok(calls.length >= 1 && calls.every((c) => c.fault === "reset" && c.status === 0));
    });

    await step("latency delays each request", async () => {
      proxy.setLatency(150);
      let started = Date.now();
      await getSecret(EAST);
      assert.ok(Date.now() - started >= 150);
      proxy.setFault({ region: WEST }, { kind: "latency", ms: 200, times: 1 });
      started = Date.now();
      assert.equal((await getSecret(WEST)).SecretString, `pw-${WEST}`);
      assert.ok(Date.now() - started >= 350);
      // By region: a resend of the hang step's EAST request may arrive late, as above.
      const answered = (region: string) =>
        proxy.calls().filter((c) => c.region === region).map((c) => [c.status, c.fault]);
      assert.deepEqual(answered(WEST), [[200, "latency"]]);
      const east = answered(EAST);
      assert.ok(east.length >= 1 && east.every(([status, fault]) => status === 200 && !fault));
    });

    await step("rejects invalid faults", () => {
      assert.throws(() => proxy.setFault({}, { kind: "throttle", times: 0 }), RangeError);
      assert.throws(() => proxy.setFault({}, { kind: "status", status: 200 }), RangeError);
      assert.throws(() => proxy.setLatency(-1), RangeError);
      return Promise.resolve();
    });
  } finally {
    for (const c of clients) c.destroy();
  }
});

Deno.test({
  name: "fault proxy routes by the SigV4 region to one upstream per region",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    // Fake upstreams answering with their own name and what they were asked.
    const names = ["default", EAST, WEST];
    const servers = names.map((name) =>
      Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (request) => {
        await request.body?.cancel();
        return Response.json({ upstream: name, path: new URL(request.url).pathname });
      })
    );
    const url = (i: number) => `http://127.0.0.1:${servers[i].addr.port}`;
    try {
      await using proxy = await startFaultProxy(url(0), {
        upstreams: { [EAST]: url(1), [WEST]: url(2) },
      });
      const send = async (headers: Record<string, string>, body = "{}") => {
        const response = await fetch(`${proxy.url}/some/path`, { method: "POST", headers, body });
        return { status: response.status, body: await response.json() };
      };
      const json = (region: string, target: string, service: string) => ({
        authorization: signed(region, service),
        "x-amz-target": target,
        "content-type": "application/x-amz-json-1.1",
      });

      assert.deepEqual(
        (await send(json(EAST, "secretsmanager.BatchGetSecretValue", "secretsmanager"))).body,
        { upstream: EAST, path: "/some/path" },
      );
      assert.equal((await send(json(WEST, "AmazonSSM.GetParameters", "ssm"))).body.upstream, WEST);
      // Unsigned (STS web identity): no region, so the default upstream.
      const unsigned = await send(
        { "content-type": "application/x-www-form-urlencoded" },
        "Action=AssumeRoleWithWebIdentity&Version=2011-06-15",
      );
      assert.equal(unsigned.body.upstream, "default");
      // A region without its own upstream: the default one.
      const other = json("eu-central-1", "secretsmanager.GetSecretValue", "secretsmanager");
      assert.equal((await send(other)).body.upstream, "default");
      // Signed STS in a routed region follows the region.
      const signedSts = await send(
        { "content-type": "application/x-www-form-urlencoded", authorization: signed(WEST, "sts") },
        "Action=GetCallerIdentity&Version=2011-06-15",
      );
      assert.equal(signedSts.body.upstream, WEST);

      // Faults and counting work as without routing; timings() say where each call went.
      proxy.setFault({ region: WEST }, { kind: "throttle", times: 1 });
      assert.equal((await send(json(WEST, "AmazonSSM.GetParameters", "ssm"))).status, 400);
      assert.deepEqual(proxy.countBy((call) => call.region || "(unsigned)"), {
        [EAST]: 1,
        [WEST]: 3,
        "(unsigned)": 1,
        "eu-central-1": 1,
      });
      assert.deepEqual(proxy.timings().map((t) => [t.api, t.upstream, t.status]), [
        ["BatchGetSecretValue", url(1), 200],
        ["GetParameters", url(2), 200],
        ["AssumeRoleWithWebIdentity", url(0), 200],
        ["GetSecretValue", url(0), 200],
        ["GetCallerIdentity", url(2), 200],
        ["GetParameters", url(2), 400],
      ]);
      // calls() keeps its shape.
      assert.ok(proxy.calls().every((call) => !("upstream" in call)));

      await assert.rejects(
        () => startFaultProxy(url(0), { upstreams: { [EAST]: "not a url" } }),
        TypeError,
      );
    } finally {
      await Promise.all(servers.map((server) => server.shutdown()));
    }
  },
});
