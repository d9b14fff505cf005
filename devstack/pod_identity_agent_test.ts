import assert from "node:assert/strict";
import {
  DEFAULT_POD_IDENTITY_CREDENTIALS,
  type PodIdentityAgent,
  startPodIdentityAgent,
} from "./pod_identity_agent.ts";

const SA_TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6YXBwOnNhIn0.c2ln";

function getCredentials(agent: PodIdentityAgent, token?: string, signal?: AbortSignal) {
  const headers: Record<string, string> = { accept: "application/json" };
  if (token !== undefined) headers.authorization = token;
  return fetch(agent.credentialsUrl, { headers, signal });
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

for (const hostname of ["127.0.0.1", "::1"] as const) {
  Deno.test(`hands out default credentials on ${hostname}`, async () => {
    await using agent = await startPodIdentityAgent({ hostname, tokens: { [SA_TOKEN]: {} } });
    assert.equal(
      agent.credentialsUrl,
      hostname === "::1"
        ? `http://[::1]:${agent.port}/v1/credentials`
        : `http://127.0.0.1:${agent.port}/v1/credentials`,
    );
    const res = await getCredentials(agent, SA_TOKEN);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/json");
    const body = await res.json();
    assert.deepEqual(Object.keys(body), [
      "AccessKeyId",
      "SecretAccessKey",
      "Token",
      "AccountId",
      "Expiration",
    ]);
    assert.equal(body.AccessKeyId, DEFAULT_POD_IDENTITY_CREDENTIALS.AccessKeyId);
    assert.equal(body.AccountId, "123456789012");
    assert.match(body.Expiration, RFC3339);
    const ttl = Date.parse(body.Expiration) - Date.now();
    assert.ok(ttl > 3590_000 && ttl <= 3600_000, `ttl ${ttl}`);
    assert.deepEqual(agent.calls(), [{
      method: "GET",
      path: "/v1/credentials",
      status: 200,
      authorization: SA_TOKEN,
      accept: "application/json",
      host: hostname === "::1" ? `[::1]:${agent.port}` : `127.0.0.1:${agent.port}`,
    }]);
  });
}

Deno.test("per-token and default credentials are configurable", async () => {
  await using agent = await startPodIdentityAgent({
    credentials: { AccountId: "210987654321" },
    expiresInSeconds: 60,
    tokens: {
      "token-a": { AccessKeyId: "ASIAAAAA", Expiration: "2030-01-01T00:00:00Z" },
      "token-b": {},
    },
  });
  const a = await (await getCredentials(agent, "token-a")).json();
  assert.equal(a.AccessKeyId, "ASIAAAAA");
  assert.equal(a.AccountId, "210987654321");
  assert.equal(a.Expiration, "2030-01-01T00:00:00Z");
  const b = await (await getCredentials(agent, "token-b")).json();
  assert.equal(b.AccessKeyId, DEFAULT_POD_IDENTITY_CREDENTIALS.AccessKeyId);
  const ttl = Date.parse(b.Expiration) - Date.now();
  assert.ok(ttl > 50_000 && ttl <= 60_000, `ttl ${ttl}`);

  agent.setToken("token-c", { SecretAccessKey: "c-secret" });
  assert.equal((await (await getCredentials(agent, "token-c")).json()).SecretAccessKey, "c-secret");
  assert.equal(agent.removeToken("token-c"), true);
  const gone = await getCredentials(agent, "token-c");
  assert.equal(gone.status, 400);
  await gone.body?.cancel();
});

Deno.test("without an allow-list any non-empty token is accepted", async () => {
  await using agent = await startPodIdentityAgent();
  const res = await getCredentials(agent, "anything");
  assert.equal(res.status, 200);
  await res.body?.cancel();
});

Deno.test("unknown and missing tokens are rejected with 400 JSON errors", async () => {
  await using agent = await startPodIdentityAgent({ tokens: { [SA_TOKEN]: {} } });
  const unknown = await getCredentials(agent, "not-a-known-token");
  assert.equal(unknown.status, 400);
  assert.equal(unknown.headers.get("content-type"), "application/json");
  const body = await unknown.json();
  assert.equal(body.code, "InvalidTokenException");
  assert.match(body.message, /InvalidTokenException/);

  const missing = await getCredentials(agent);
  assert.equal(missing.status, 400);
  assert.deepEqual(await missing.json(), {
    code: "InvalidRequest",
    message: "Service account token cannot be empty",
  });
});

Deno.test("errorFormat text answers like the real agent (Go http.Error)", async () => {
  await using agent = await startPodIdentityAgent({ errorFormat: "text", tokens: {} });
  const res = await getCredentials(agent);
  assert.equal(res.status, 400);
  assert.equal(res.headers.get("content-type"), "text/plain; charset=utf-8");
  assert.equal(res.headers.get("x-content-type-options"), "nosniff");
  assert.equal(await res.text(), "Service account token cannot be empty\n");

  agent.setFault({}, {
    kind: "status",
    status: 403,
    code: "AccessDeniedException",
    message: "Access Denied.",
    times: 1,
  });
  const denied = await getCredentials(agent, SA_TOKEN);
  assert.equal(denied.status, 403);
  assert.equal(await denied.text(), "Access Denied.\n");
});

Deno.test("error faults: 500, 400, 403 with code and message, limited by times", async () => {
  await using agent = await startPodIdentityAgent({ tokens: { [SA_TOKEN]: {} } });
  // The fault set last applies first; when it is used up, the one it covered.
  const error = (status: number, code: string, message: string, times: number) =>
    ({ kind: "status", status, code, message, times }) as const;
  agent.setFault({}, error(403, "AccessDeniedException", "denied", 2));
  agent.setFault({}, error(400, "InvalidTokenException", "bad token", 1));
  agent.setFault({}, error(500, "InternalServerException", "boom", 1));
  const seen: [number, unknown][] = [];
  for (let i = 0; i < 5; i++) {
    const res = await getCredentials(agent, SA_TOKEN);
    const body = await res.json();
    seen.push([res.status, res.status === 200 ? "creds" : body]);
  }
  assert.deepEqual(seen, [
    [500, { code: "InternalServerException", message: "boom" }],
    [400, { code: "InvalidTokenException", message: "bad token" }],
    [403, { code: "AccessDeniedException", message: "denied" }],
    [403, { code: "AccessDeniedException", message: "denied" }],
    [200, "creds"],
  ]);

  agent.setFault({}, { kind: "status", status: 503 });
  for (let i = 0; i < 2; i++) {
    const res = await getCredentials(agent, SA_TOKEN);
    assert.equal(res.status, 503);
    assert.deepEqual(await res.json(), {
      code: "ServiceUnavailable",
      message: "injected 503 fault",
    });
  }
  agent.clearFaults();
  const ok = await getCredentials(agent, SA_TOKEN);
  assert.equal(ok.status, 200);
  await ok.body?.cancel();
});

Deno.test("a text fault answers with a plain-text body", async () => {
  await using agent = await startPodIdentityAgent();
  agent.setFault({}, { kind: "text", status: 502, body: "<html>bad gateway</html>", times: 1 });
  agent.setFault({}, { kind: "text", status: 500, body: "Internal Server Error", times: 1 });
  const first = await getCredentials(agent, SA_TOKEN);
  assert.equal(first.status, 500);
  assert.equal(first.headers.get("content-type"), "text/plain; charset=utf-8");
  const text = await first.text();
  assert.equal(text, "Internal Server Error\n");
  assert.throws(() => JSON.parse(text), SyntaxError);
  const second = await getCredentials(agent, SA_TOKEN);
  assert.equal(second.status, 502);
  assert.equal(await second.text(), "<html>bad gateway</html>\n");
});

for (const hostname of ["127.0.0.1", "::1"] as const) {
  Deno.test(`hang fault on ${hostname}: the client times out, the next request succeeds`, async () => {
    await using agent = await startPodIdentityAgent({ hostname });
    agent.setFault({}, { kind: "hang", times: 1 });
    const started = performance.now();
    await assert.rejects(
      getCredentials(agent, SA_TOKEN, AbortSignal.timeout(200)),
      (e: unknown) => e instanceof DOMException && e.name === "TimeoutError",
    );
    assert.ok(performance.now() - started >= 150);
    const res = await getCredentials(agent, SA_TOKEN);
    assert.equal(res.status, 200);
    await res.body?.cancel();
    assert.deepEqual(agent.calls().map((r) => r.status), [0, 200]);
  });
}

Deno.test("hang fault is released by stop()", async () => {
  const agent = await startPodIdentityAgent();
  agent.setFault({}, { kind: "hang" });
  const pending = getCredentials(agent, SA_TOKEN);
  while (agent.calls().length === 0) await new Promise((r) => setTimeout(r, 10));
  await agent.stop();
  const res = await pending;
  assert.equal(res.status, 503);
  await res.body?.cancel();
  await agent.stop(); // idempotent
});

Deno.test("requests are counted by path", async () => {
  await using agent = await startPodIdentityAgent();
  for (let i = 0; i < 3; i++) await (await getCredentials(agent, SA_TOKEN)).body?.cancel();
  const other = await fetch(`${agent.url}/v1/other`);
  assert.equal(other.status, 404);
  assert.equal(await other.text(), "404 page not found\n");
  assert.deepEqual(agent.countBy(), { "/v1/credentials": 3, "/v1/other": 1 });
  assert.equal(agent.calls().length, 4);
  agent.resetCalls();
  assert.deepEqual(agent.countBy(), {});
  assert.deepEqual(agent.calls(), []);
});

Deno.test("a fault for one token leaves the other tokens alone", async () => {
  await using agent = await startPodIdentityAgent();
  agent.setFault({ token: "pod-a-token" }, { kind: "throttle" });
  const throttled = await getCredentials(agent, "pod-a-token");
  assert.equal(throttled.status, 429);
  assert.equal((await throttled.json()).code, "ThrottlingException");
  const other = await getCredentials(agent, "pod-b-token");
  assert.equal(other.status, 200);
  await other.body?.cancel();
  assert.deepEqual(agent.calls().map((call) => call.fault), ["throttle", undefined]);
});
