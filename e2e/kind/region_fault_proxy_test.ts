import assert from "node:assert/strict";
import {
  GetSecretValueCommand,
  SecretsManagerClient,
  type SecretsManagerServiceException as ServiceException,
} from "@aws-sdk/client-secrets-manager";
import { GetParametersCommand, SSMClient } from "@aws-sdk/client-ssm";
import { createSeeder, startMoto, testClientConfig } from "../../devstack/mod.ts";
import {
  faultResponse,
  serveRegionFaultProxy,
  signedScope,
  stsCredentials,
  webIdentityToken,
} from "./region_fault_proxy.ts";

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

Deno.test("webIdentityToken and stsCredentials read STS's form request and XML answer", () => {
  assert.equal(
    webIdentityToken("Action=AssumeRoleWithWebIdentity&WebIdentityToken=eyJh.eyJi.c2ln&Version=1"),
    "eyJh.eyJi.c2ln",
  );
  assert.equal(webIdentityToken('{"SecretId":"a"}'), undefined);
  assert.deepEqual(
    stsCredentials(
      "<Credentials><AccessKeyId>ASIA1</AccessKeyId><SecretAccessKey>sk/1+</SecretAccessKey>" +
        "<SessionToken>FQoG=</SessionToken></Credentials>",
    ),
    ["sk/1+", "FQoG="],
  );
});

Deno.test("against real moto: the SDK gets each service's modeled 5xx from the faulted region only, and STS secrets are kept", async () => {
  await using moto = await startMoto();
  const proxy = serveRegionFaultProxy({ upstream: moto.url, port: 0, hostname: "127.0.0.1" });
  const base = `http://127.0.0.1:${proxy.addr.port}`;
  using seeder = createSeeder(moto.url);
  using throughProxy = createSeeder(base);
  const clients = (region: string) => {
    const config = { ...testClientConfig(base, region), maxAttempts: 1 };
    return { secrets: new SecretsManagerClient(config), ssm: new SSMClient(config) };
  };
  const west = clients("us-west-2");
  const east = clients("us-east-2");
  try {
    await seeder.createSecret("us-west-2", "RegionalSecret", "west-Hq4-value");
    await seeder.createSecret("us-east-2", "RegionalSecret", "east-Hq4-value");
    await seeder.putParameter("us-west-2", "/e2e/flag", "fl4g-Hq4", { type: "SecureString" });
    const secret = (client: SecretsManagerClient) =>
      client.send(new GetSecretValueCommand({ SecretId: "RegionalSecret" }));
    const parameter = (client: SSMClient) =>
      client.send(new GetParametersCommand({ Names: ["/e2e/flag"], WithDecryption: true }));

    assert.equal((await secret(west.secrets)).SecretString, "west-Hq4-value");
    assert.equal((await parameter(west.ssm)).Parameters?.[0].Value, "fl4g-Hq4");

    await (await fetch(`${base}/__e2e/faults`, {
      method: "PUT",
      body: JSON.stringify({ "us-west-2": 500 }),
    })).body?.cancel();
    await assert.rejects(() => secret(west.secrets), (error: ServiceException) => {
      assert.equal(error.name, "InternalServiceError");
      assert.equal(error.$fault, "server");
      assert.equal(error.$metadata.httpStatusCode, 500);
      return true;
    });
    await assert.rejects(() => parameter(west.ssm), (error: ServiceException) => {
      assert.equal(error.name, "InternalServerError");
      assert.equal(error.$fault, "server");
      return true;
    });
    assert.equal((await secret(east.secrets)).SecretString, "east-Hq4-value");

    // AssumeRoleWithWebIdentity is unsigned: no region fault applies, and its secrets are kept.
    const token =
      "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6YTpiIn0.c2lnbmF0dXJl";
    const role = await throughProxy.assumeRoleWithWebIdentity(
      "us-west-2",
      "arn:aws:iam::123456789012:role/e2e-app-role",
      token,
    );
    const sensitive = await (await fetch(`${base}/__e2e/sensitive`)).json();
    assert.deepEqual(sensitive.tokens, [token]);
    assert.deepEqual(sensitive.credentials, [role.secretAccessKey, role.sessionToken]);

    await (await fetch(`${base}/__e2e/faults`, { method: "PUT", body: "{}" })).body?.cancel();
    assert.equal((await secret(west.secrets)).SecretString, "west-Hq4-value");
  } finally {
    for (const client of [west, east]) {
      client.secrets.destroy();
      client.ssm.destroy();
    }
    await proxy.shutdown();
  }
});
