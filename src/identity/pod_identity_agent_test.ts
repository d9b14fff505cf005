import assert from "node:assert/strict";
import { AwsFailureError } from "../aws/mod.ts";
import { DEFAULT_POD_IDENTITY_CREDENTIALS, startPodIdentityAgent } from "../../devstack/mod.ts";
import {
  AGENT_IPV4_ENDPOINT,
  AGENT_IPV6_ENDPOINT,
  agentEndpoints,
  fetchAgentCredentials,
  parseAddressPreference,
} from "./pod_identity_agent.ts";

const TOKEN = "eyJhbGciOiJSUzI1NiJ9.pod-identity-token.sig";

/** A loopback URL nobody listens on. */
function closedEndpoint(hostname: "127.0.0.1" | "::1"): string {
  const listener = Deno.listen({ hostname, port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return `http://${hostname === "::1" ? "[::1]" : hostname}:${port}/v1/credentials`;
}

async function failureOf(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof AwsFailureError);
    return error.awsFailure;
  }
  assert.fail("no AwsFailureError");
}

Deno.test("the agent endpoints are EKS's link-local addresses", () => {
  assert.equal(AGENT_IPV4_ENDPOINT, "http://169.254.170.23/v1/credentials");
  assert.equal(AGENT_IPV6_ENDPOINT, "http://[fd00:ec2::23]/v1/credentials");
});

Deno.test("preferredAddressType is read case-insensitively; anything else means auto", () => {
  assert.deepEqual(
    ["ipv4", "IPv4", "IPV6", "ipv6", "", "auto", "AUTO", "dual", " ipv4"].map(
      parseAddressPreference,
    ),
    ["ipv4", "ipv4", "ipv6", "ipv6", "auto", "auto", "auto", "auto", "auto"],
  );
});

Deno.test("auto tries IPv4 then IPv6; forced modes try one endpoint", () => {
  const options = { ipv4Endpoint: "v4", ipv6Endpoint: "v6" };
  assert.deepEqual(agentEndpoints("auto", options), ["v4", "v6"]);
  assert.deepEqual(agentEndpoints("ipv4", options), ["v4"]);
  assert.deepEqual(agentEndpoints("ipv6", options), ["v6"]);
});

Deno.test("credentials are fetched with the raw token and Accept: application/json", async () => {
  await using agent = await startPodIdentityAgent({
    credentials: { Expiration: "2030-01-02T03:04:05Z" },
  });
  const credentials = await fetchAgentCredentials(TOKEN, "ipv4", {
    ipv4Endpoint: agent.credentialsUrl,
    ipv6Endpoint: closedEndpoint("::1"),
  });
  assert.deepEqual(credentials, {
    accessKeyId: DEFAULT_POD_IDENTITY_CREDENTIALS.AccessKeyId,
    secretAccessKey: DEFAULT_POD_IDENTITY_CREDENTIALS.SecretAccessKey,
    sessionToken: DEFAULT_POD_IDENTITY_CREDENTIALS.Token,
    expiration: new Date("2030-01-02T03:04:05Z"),
  });
  const [request] = agent.calls();
  assert.deepEqual([request.method, request.path, request.authorization, request.accept], [
    "GET",
    "/v1/credentials",
    TOKEN,
    "application/json",
  ]);
});

Deno.test("auto falls back to the IPv6 agent when IPv4 cannot be reached", async () => {
  await using agent = await startPodIdentityAgent({ hostname: "::1" });
  const credentials = await fetchAgentCredentials(TOKEN, "auto", {
    ipv4Endpoint: closedEndpoint("127.0.0.1"),
    ipv6Endpoint: agent.credentialsUrl,
  });
  assert.equal(credentials.accessKeyId, DEFAULT_POD_IDENTITY_CREDENTIALS.AccessKeyId);
  assert.equal(agent.calls().length, 1);
});

Deno.test("auto uses IPv4 when it answers and never asks IPv6", async () => {
  await using v4 = await startPodIdentityAgent({ hostname: "127.0.0.1" });
  await using v6 = await startPodIdentityAgent({ hostname: "::1" });
  await fetchAgentCredentials(TOKEN, "auto", {
    ipv4Endpoint: v4.credentialsUrl,
    ipv6Endpoint: v6.credentialsUrl,
  });
  assert.deepEqual([v4.calls().length, v6.calls().length], [1, 0]);
});

Deno.test("auto moves on to IPv6 when the IPv4 agent answers with a server error", async () => {
  await using v4 = await startPodIdentityAgent({ hostname: "127.0.0.1" });
  await using v6 = await startPodIdentityAgent({ hostname: "::1" });
  v4.setFault({}, { kind: "status", status: 500 });
  await fetchAgentCredentials(TOKEN, "auto", {
    ipv4Endpoint: v4.credentialsUrl,
    ipv6Endpoint: v6.credentialsUrl,
  });
  assert.deepEqual([v4.calls().length, v6.calls().length], [1, 1]);
});

Deno.test("forced ipv4 never asks the IPv6 agent, even when IPv4 fails", async () => {
  await using v6 = await startPodIdentityAgent({ hostname: "::1" });
  const failure = await failureOf(
    fetchAgentCredentials(TOKEN, "ipv4", {
      ipv4Endpoint: closedEndpoint("127.0.0.1"),
      ipv6Endpoint: v6.credentialsUrl,
      maxAttempts: 1,
    }),
  );
  assert.equal(failure.code, "RequestError");
  assert.equal(failure.fatal, false);
  assert.match(
    failure.text,
    /^operation error Pod Identity agent: GetCredentials \(http:\/\/127\.0\.0\.1:\d+\/v1\/credentials\), request send failed, /,
  );
  assert.equal(v6.calls().length, 0);
});

Deno.test("forced ipv6 asks only the IPv6 agent", async () => {
  await using v4 = await startPodIdentityAgent({ hostname: "127.0.0.1" });
  await using v6 = await startPodIdentityAgent({ hostname: "::1" });
  await fetchAgentCredentials(TOKEN, "ipv6", {
    ipv4Endpoint: v4.credentialsUrl,
    ipv6Endpoint: v6.credentialsUrl,
  });
  assert.deepEqual([v4.calls().length, v6.calls().length], [0, 1]);
});

Deno.test("a JSON error with a status below 500 is fatal and not retried", async () => {
  await using agent = await startPodIdentityAgent({ tokens: { "known-token": {} } });
  const failure = await failureOf(
    fetchAgentCredentials("unknown-token", "auto", {
      ipv4Endpoint: agent.credentialsUrl,
      ipv6Endpoint: agent.credentialsUrl,
    }),
  );
  assert.equal(failure.code, "InvalidTokenException");
  assert.equal(failure.fatal, true);
  assert.equal(failure.httpStatus, 400);
  assert.match(failure.message, /\(InvalidTokenException\): The service account token is invalid/);
  assert.match(
    failure.text,
    /^operation error Pod Identity agent: GetCredentials \(http:\/\/127\.0\.0\.1:\d+\/v1\/credentials\), https response error StatusCode: 400, InvalidTokenException: /,
  );
  assert.equal(agent.calls().length, 1);
});

Deno.test("a server error is retried until the agent answers", async () => {
  await using agent = await startPodIdentityAgent();
  agent.setFault({}, { kind: "status", status: 500, times: 1 });
  const credentials = await fetchAgentCredentials(TOKEN, "ipv4", {
    ipv4Endpoint: agent.credentialsUrl,
    ipv6Endpoint: agent.credentialsUrl,
  });
  assert.equal(credentials.accessKeyId, DEFAULT_POD_IDENTITY_CREDENTIALS.AccessKeyId);
  assert.deepEqual(agent.calls().map((r) => r.status), [500, 200]);
});

Deno.test("a server error in every attempt fails non-fatally with the last answer", async () => {
  await using agent = await startPodIdentityAgent();
  agent.setFault({}, { kind: "status", status: 503, message: "agent busy" });
  const failure = await failureOf(
    fetchAgentCredentials(TOKEN, "ipv4", {
      ipv4Endpoint: agent.credentialsUrl,
      ipv6Endpoint: agent.credentialsUrl,
      maxAttempts: 2,
    }),
  );
  assert.deepEqual([failure.code, failure.fatal, failure.httpStatus, failure.message], [
    "ServiceUnavailable",
    false,
    503,
    "agent busy",
  ]);
  assert.equal(agent.calls().length, 2);
});

Deno.test("a 4xx error that is not JSON is not fatal", async () => {
  await using agent = await startPodIdentityAgent({ errorFormat: "text", tokens: {} });
  const failure = await failureOf(
    fetchAgentCredentials(TOKEN, "ipv4", {
      ipv4Endpoint: agent.credentialsUrl,
      ipv6Endpoint: agent.credentialsUrl,
      maxAttempts: 1,
    }),
  );
  assert.equal(failure.code, "HTTP400");
  assert.equal(failure.fatal, false);
  assert.match(failure.message, /The service account token is invalid/);
});

Deno.test("an answer without credentials is a non-fatal deserialization failure", async () => {
  await using agent = await startPodIdentityAgent({
    credentials: { AccessKeyId: undefined as unknown as string },
  });
  agent.setToken(TOKEN, { SecretAccessKey: 42 as unknown as string });
  const failure = await failureOf(
    fetchAgentCredentials(TOKEN, "ipv4", {
      ipv4Endpoint: agent.credentialsUrl,
      ipv6Endpoint: agent.credentialsUrl,
      maxAttempts: 1,
    }),
  );
  assert.deepEqual([failure.code, failure.fatal], ["DeserializationError", false]);
});

Deno.test("an agent that does not answer times out after timeoutMs per attempt", async () => {
  await using agent = await startPodIdentityAgent();
  agent.setFault({}, { kind: "hang" });
  const started = performance.now();
  const failure = await failureOf(
    fetchAgentCredentials(TOKEN, "ipv4", {
      ipv4Endpoint: agent.credentialsUrl,
      ipv6Endpoint: agent.credentialsUrl,
      timeoutMs: 100,
      maxAttempts: 1,
    }),
  );
  const elapsed = performance.now() - started;
  assert.ok(elapsed >= 90 && elapsed < 1_000, `took ${elapsed} ms`);
  assert.equal(failure.fatal, false);
  assert.match(failure.text, /request send failed, the request timed out$/);
});

Deno.test("an aborted mount stops asking the agent", async () => {
  await using agent = await startPodIdentityAgent();
  agent.setFault({}, { kind: "status", status: 500 });
  const controller = new AbortController();
  const pending = failureOf(
    fetchAgentCredentials(TOKEN, "ipv4", {
      ipv4Endpoint: agent.credentialsUrl,
      ipv6Endpoint: agent.credentialsUrl,
      signal: controller.signal,
    }),
  );
  // Aborted in the 200 ms backoff after the first answer (a fixed 50 ms from
  // the start could land before that answer on a busy machine).
  while (agent.calls().length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  await new Promise((resolve) => setTimeout(resolve, 60));
  const abortedAt = performance.now();
  controller.abort();
  const failure = await pending;
  assert.ok(performance.now() - abortedAt < 100, "the backoff ended at the abort");
  assert.equal(failure.code, "InternalServerException");
  assert.equal(agent.calls().length, 1);
});
