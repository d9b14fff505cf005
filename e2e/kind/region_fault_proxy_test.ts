import assert from "node:assert/strict";
import { faultResponse, serveRegionFaultProxy, signedScope } from "./region_fault_proxy.ts";

function signed(region: string, service: string): string {
  return `AWS4-HMAC-SHA256 Credential=AKIDTEST/20260601/${region}/${service}/aws4_request, ` +
    "SignedHeaders=host;x-amz-date, Signature=abc";
}

Deno.test("signedScope reads region and service from a SigV4 Authorization header", () => {
  assert.deepEqual(signedScope(signed("us-west-2", "secretsmanager")), {
    region: "us-west-2",
    service: "secretsmanager",
  });
  assert.equal(signedScope(null), undefined);
  assert.equal(signedScope("Bearer token"), undefined);
});

Deno.test("faultResponse answers each service's modeled server error", async () => {
  const secrets = faultResponse("secretsmanager", 500);
  assert.equal(secrets.status, 500);
  assert.equal((await secrets.json()).__type, "InternalServiceError");
  assert.equal((await faultResponse("ssm", 503).json()).__type, "InternalServerError");
});

Deno.test("the proxy forwards requests and fails only the faulted region", async () => {
  const seen: string[] = [];
  const upstream = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen: () => {} },
    async (request) => {
      seen.push(`${request.method} ${new URL(request.url).pathname} ${await request.text()}`);
      return Response.json({ SecretString: "value" });
    },
  );
  const proxy = serveRegionFaultProxy({
    upstream: `http://127.0.0.1:${upstream.addr.port}`,
    port: 0,
    hostname: "127.0.0.1",
  });
  const base = `http://127.0.0.1:${proxy.addr.port}`;
  try {
    const call = (region: string) =>
      fetch(`${base}/`, {
        method: "POST",
        headers: { authorization: signed(region, "secretsmanager") },
        body: `{"SecretId":"MySecret","region":"${region}"}`,
      });
    let answer = await call("us-west-2");
    assert.equal(answer.status, 200);
    assert.deepEqual(await answer.json(), { SecretString: "value" });

    const set = await fetch(`${base}/__e2e/faults`, {
      method: "PUT",
      body: JSON.stringify({ "us-west-2": 500 }),
    });
    assert.deepEqual(await set.json(), { "us-west-2": 500 });
    answer = await call("us-west-2");
    assert.equal(answer.status, 500);
    assert.equal((await answer.json()).__type, "InternalServiceError");
    answer = await call("us-east-2");
    assert.equal(answer.status, 200);
    await answer.body?.cancel();

    const unsigned = await fetch(`${base}/`, {
      method: "POST",
      body: "Action=AssumeRoleWithWebIdentity",
    });
    assert.equal(unsigned.status, 200);
    await unsigned.body?.cancel();

    await (await fetch(`${base}/__e2e/faults`, { method: "PUT", body: "{}" })).body?.cancel();
    answer = await call("us-west-2");
    assert.equal(answer.status, 200);
    await answer.body?.cancel();
    assert.deepEqual(seen, [
      'POST / {"SecretId":"MySecret","region":"us-west-2"}',
      'POST / {"SecretId":"MySecret","region":"us-east-2"}',
      "POST / Action=AssumeRoleWithWebIdentity",
      'POST / {"SecretId":"MySecret","region":"us-west-2"}',
    ]);
    const health = await fetch(`${base}/__e2e/health`);
    assert.equal(await health.text(), "ok");
  } finally {
    await proxy.shutdown();
    await upstream.shutdown();
  }
});
