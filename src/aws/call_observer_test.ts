import assert from "node:assert/strict";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { createSeeder, startFaultProxy, startMoto, testClientConfig } from "../../devstack/mod.ts";
import {
  type AwsCall,
  type AwsCallOutcome,
  classifyOutcome,
  observeAwsCalls,
} from "./call_observer.ts";

Deno.test("classifyOutcome maps an HTTP status and error name to an outcome", () => {
  const table: [number | undefined, string | undefined, AwsCallOutcome][] = [
    [200, undefined, "ok"],
    [undefined, undefined, "ok"],
    [400, "ThrottlingException", "throttled"],
    [400, "Throttling", "throttled"],
    [400, "TooManyRequestsException", "throttled"],
    [400, "RequestLimitExceeded", "throttled"],
    [400, "ProvisionedThroughputExceededException", "throttled"],
    [429, undefined, "throttled"],
    [429, "SlowDown", "throttled"],
    [undefined, "ThrottlingException", "throttled"],
    [500, "InternalServiceError", "server_error"],
    [503, undefined, "server_error"],
    [400, "ResourceNotFoundException", "client_error"],
    [403, "AccessDenied", "client_error"],
    [404, undefined, "client_error"],
    [undefined, "Error", "network_error"],
    [undefined, "TimeoutError", "network_error"],
    [0, "ECONNRESET", "network_error"],
  ];
  for (const [status, name, expected] of table) {
    assert.equal(classifyOutcome(status, name), expected, `${status} ${name}`);
  }
});

Deno.test("observeAwsCalls on a real SDK client records one call per HTTP attempt", async (t) => {
  await using moto = await startMoto();
  await using proxy = await startFaultProxy(moto.url);
  using seeder = createSeeder(moto.url);
  await seeder.createSecret("us-east-1", "app/db", "value");

  /** Calls GetSecretValue through the proxy with `maxAttempts` and returns what was observed. */
  async function observe(secretId: string, maxAttempts: number): Promise<AwsCall[]> {
    const client = new SecretsManagerClient({
      ...testClientConfig(proxy.url, "us-east-1"),
      maxAttempts,
    });
    const calls: AwsCall[] = [];
    observeAwsCalls(client, { service: "secretsmanager", region: "us-east-1" }, (call) => {
      calls.push(call);
    });
    try {
      await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    } catch {
      // failures are what some steps look at
    } finally {
      client.destroy();
    }
    return calls;
  }

  const outcomes = (calls: AwsCall[]) => calls.map((call) => call.outcome);

  await t.step("a 200 answer is one ok call with service, API and region", async () => {
    assert.deepEqual(await observe("app/db", 3), [
      { service: "secretsmanager", api: "GetSecretValue", region: "us-east-1", outcome: "ok" },
    ]);
  });

  await t.step("a throttled attempt and its successful retry are two calls", async () => {
    proxy.setFault({ api: "GetSecretValue" }, { kind: "throttle", times: 1 });
    assert.deepEqual(outcomes(await observe("app/db", 3)), ["throttled", "ok"]);
  });

  await t.step("every attempt answered 500 is a server_error call", async () => {
    proxy.setFault({ api: "GetSecretValue" }, { kind: "status", status: 500 });
    try {
      assert.deepEqual(outcomes(await observe("app/db", 2)), ["server_error", "server_error"]);
    } finally {
      proxy.clearFaults();
    }
  });

  await t.step("a modeled 4xx error is one client_error call (not retried)", async () => {
    assert.deepEqual(outcomes(await observe("missing", 3)), ["client_error"]);
    proxy.setFault({ api: "GetSecretValue" }, { kind: "accessDenied", times: 1 });
    assert.deepEqual(outcomes(await observe("app/db", 3)), ["client_error"]);
  });

  await t.step("a dropped connection is a network_error call", async () => {
    proxy.setFault({ api: "GetSecretValue" }, { kind: "reset", times: 1 });
    assert.deepEqual(outcomes(await observe("app/db", 1)), ["network_error"]);
  });

  await t.step("the proxy received exactly the attempts the observer saw", () => {
    // 1 + 2 + 2 + (1 + 1) + 1 attempts above.
    assert.equal(proxy.calls().length, 8);
  });
});
