import assert from "node:assert/strict";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { createSeeder, startMoto } from "../../devstack/mod.ts";
import {
  AGENT_AUDIENCE,
  serveAgentStandin,
  sessionName,
  tokenClaims,
} from "./pod_identity_agent_standin.ts";

function base64url(value: unknown): string {
  return btoa(JSON.stringify(value)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** A service account token as the kubelet issues them (unsigned: the stand-in does not check). */
function serviceAccountToken(claims: Record<string, unknown>): string {
  return `${base64url({ alg: "RS256", kid: "k" })}.${base64url(claims)}.c2lnbmF0dXJl`;
}

const POD_TOKEN = serviceAccountToken({
  aud: [AGENT_AUDIENCE],
  sub: "system:serviceaccount:e2e-pod-identity:pi-app",
  exp: 4_000_000_000,
});

Deno.test("tokenClaims reads namespace, service account, audiences and expiry", () => {
  assert.deepEqual(tokenClaims(POD_TOKEN), {
    namespace: "e2e-pod-identity",
    serviceAccount: "pi-app",
    audiences: [AGENT_AUDIENCE],
    expiresAt: 4_000_000_000,
  });
  assert.deepEqual(
    tokenClaims(serviceAccountToken({ aud: "sts.amazonaws.com", sub: "system:serviceaccount:a:b" }))
      ?.audiences,
    ["sts.amazonaws.com"],
  );
  for (const token of ["", "a.b", "a.!!.c", serviceAccountToken({ sub: "user:alice" })]) {
    assert.equal(tokenClaims(token), undefined, token);
  }
});

Deno.test("sessionName is a valid STS session name", () => {
  const name = sessionName({
    namespace: "a-very-long-namespace-name-that-goes-on",
    serviceAccount: "and:an/odd-account-name",
    audiences: [],
  });
  assert.match(name, /^[\w+=,.@-]{2,64}$/);
  assert.ok(name.startsWith("eks-pod-identity-a-very-long-namespace"));
});

Deno.test("against real moto: the associated role's credentials, and clear refusals", async () => {
  await using moto = await startMoto();
  const lines: string[] = [];
  const agent = serveAgentStandin({
    hostname: "127.0.0.1",
    port: 0,
    sts: moto.url,
    associations: { "e2e-pod-identity/pi-app": "arn:aws:iam::123456789012:role/e2e-pi-role" },
    log: (line) => lines.push(line),
  });
  const url = `http://127.0.0.1:${agent.addr.port}/v1/credentials`;
  const ask = async (token?: string) => {
    const answer = await fetch(url, { headers: token ? { authorization: token } : {} });
    return { status: answer.status, body: await answer.json() };
  };
  try {
    const served = await ask(POD_TOKEN);
    assert.equal(served.status, 200);
    assert.equal(served.body.AccountId, "123456789012");
    assert.match(served.body.AccessKeyId, /^ASIA/);
    assert.ok(served.body.SecretAccessKey.length > 20);
    assert.ok(served.body.Token.length > 20);
    assert.ok(Date.parse(served.body.Expiration) > Date.now());

    // The credentials work against the emulator (moto serves the role's account: the seeded one).
    using seeder = createSeeder(moto.url);
    await seeder.createSecret("us-west-2", "PiSecret", "p0d-1dentity-Wv9");
    const client = new SecretsManagerClient({
      endpoint: moto.url,
      region: "us-west-2",
      credentials: {
        accessKeyId: served.body.AccessKeyId,
        secretAccessKey: served.body.SecretAccessKey,
        sessionToken: served.body.Token,
      },
      defaultUserAgentProvider: () => Promise.resolve([["e2e", "0"]]),
    });
    try {
      const secret = await client.send(new GetSecretValueCommand({ SecretId: "PiSecret" }));
      assert.equal(secret.SecretString, "p0d-1dentity-Wv9");
    } finally {
      client.destroy();
    }

    assert.deepEqual(await ask(), {
      status: 400,
      body: { code: "InvalidRequest", message: "Service account token cannot be empty" },
    });
    const irsaToken = serviceAccountToken({
      aud: ["sts.amazonaws.com"],
      sub: "system:serviceaccount:e2e-pod-identity:pi-app",
    });
    assert.equal((await ask(irsaToken)).body.code, "InvalidTokenException");
    const other = serviceAccountToken({
      aud: [AGENT_AUDIENCE],
      sub: "system:serviceaccount:e2e-pod-identity:other",
    });
    assert.deepEqual(await ask(other), {
      status: 400,
      body: {
        code: "AccessDeniedException",
        message: "no Pod Identity association for service account e2e-pod-identity/other",
      },
    });
    const expired = serviceAccountToken({
      aud: [AGENT_AUDIENCE],
      sub: "system:serviceaccount:e2e-pod-identity:pi-app",
      exp: 1,
    });
    assert.equal((await ask(expired)).body.code, "ExpiredTokenException");

    assert.deepEqual(lines, [
      "served e2e-pod-identity/pi-app with arn:aws:iam::123456789012:role/e2e-pi-role",
      "refused a request without a token",
      `refused a token that is not a service account token for ${AGENT_AUDIENCE}`,
      "refused e2e-pod-identity/other: no association",
      "refused e2e-pod-identity/pi-app: the token expired",
    ]);
    for (const line of lines) {
      assert.ok(!line.includes(served.body.SecretAccessKey) && !line.includes(POD_TOKEN));
    }
  } finally {
    await agent.shutdown();
  }
});
