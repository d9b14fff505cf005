import assert from "node:assert/strict";
import { createSeeder, startFaultProxy, startMoto } from "../../devstack/mod.ts";
import { AwsFailureError } from "./aws_failure.ts";
import {
  MAX_REGION_CLIENTS,
  memoizeDefaultUserAgent,
  SdkStorePool,
  untilAborted,
} from "./sdk_stores.ts";
import { withEnv } from "./_test_env.ts";

const decoder = new TextDecoder();
const credentials = () => Promise.resolve({ accessKeyId: "AKIDTEST", secretAccessKey: "test" });

async function failureOf(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof AwsFailureError, `expected AwsFailureError, got ${error}`);
    return error.awsFailure;
  }
  assert.fail("the call did not fail");
}

Deno.test("SDK stores against moto", async (t) => {
  await using moto = await startMoto();
  await using proxy = await startFaultProxy(moto.url);
  using seeder = createSeeder(moto.url);
  await withEnv({ AWS_ENDPOINT_URL: proxy.url, AWS_MAX_ATTEMPTS: "1" }, async () => {
    const pool = new SdkStorePool({ appId: "secrets-store-csi-driver-provider-aws-test" });
    try {
      const east = pool.get("us-east-1", credentials);
      const west = pool.get("us-west-2", credentials);

      const db = await seeder.createSecret("us-east-1", "app/db", '{"user":"admin"}');
      const binary = new Uint8Array([0, 1, 2, 10, 13, 127, 128, 255]);
      const cert = await seeder.createSecret("us-east-1", "app/cert", binary);

      await t.step("GetSecretValue returns a SecretString as UTF-8 with its version", async () => {
        const value = await east.secretsManager.getSecretValue({ secretId: "app/db" });
        assert.equal(decoder.decode(value.bytes), '{"user":"admin"}');
        assert.deepEqual([value.versionId, value.name, value.arn], [
          db.versionId,
          "app/db",
          db.arn,
        ]);
      });

      await t.step("GetSecretValue returns a SecretBinary as its raw bytes", async () => {
        const value = await east.secretsManager.getSecretValue({ secretId: cert.arn });
        assert.deepEqual(value.bytes, binary);
        assert.equal(value.versionId, cert.versionId);
      });

      await t.step("versions and stages select the value", async () => {
        const { versionId: second } = await seeder.putSecretValue("us-east-1", "app/db", "v2");
        const current = await east.secretsManager.getSecretValue({ secretId: "app/db" });
        const previous = await east.secretsManager.getSecretValue({
          secretId: "app/db",
          versionStage: "AWSPREVIOUS",
        });
        const first = await east.secretsManager.getSecretValue({
          secretId: "app/db",
          versionId: db.versionId,
        });
        assert.deepEqual(
          [current, previous, first].map((v) => `${decoder.decode(v.bytes)}@${v.versionId}`),
          [`v2@${second}`, `{"user":"admin"}@${db.versionId}`, `{"user":"admin"}@${db.versionId}`],
        );
      });

      await t.step("regions are separate stores", async () => {
        const failure = await failureOf(west.secretsManager.getSecretValue({ secretId: "app/db" }));
        assert.equal(failure.code, "ResourceNotFoundException");
      });

      await t.step("a missing secret is a fatal ResourceNotFoundException", async () => {
        const failure = await failureOf(east.secretsManager.getSecretValue({ secretId: "nope" }));
        // (AWS answers 400; moto 404. The class comes from the name either way.)
        assert.deepEqual([failure.code, failure.fatal], ["ResourceNotFoundException", true]);
        assert.match(
          failure.text,
          /^operation error Secrets Manager: GetSecretValue, https response error StatusCode: 40\d, RequestID: [^,]*, ResourceNotFoundException: Secrets Manager can't find the specified secret\.$/,
        );
      });

      await t.step("BatchGetSecretValue returns values and per-secret errors", async () => {
        const answer = await east.secretsManager.batchGetSecretValue(["app/cert", db.arn, "nope"]);
        const values = answer.values
          .map((v) => [v.name, v.arn, v.versionId, v.bytes.length])
          .sort();
        assert.deepEqual(values, [
          ["app/cert", cert.arn, cert.versionId, binary.length],
          [
            "app/db",
            db.arn,
            (await east.secretsManager.getSecretValue({ secretId: "app/db" })).versionId,
            2,
          ],
        ]);
        assert.deepEqual(
          answer.values.find((v) => v.name === "app/cert")?.bytes,
          binary,
        );
        assert.equal(answer.errors.length, 1);
        const [{ secretId, failure }] = answer.errors;
        assert.equal(secretId, "nope");
        assert.deepEqual([failure.code, failure.fatal], ["ResourceNotFoundException", true]);
        assert.match(
          failure.text,
          /^operation error Secrets Manager: BatchGetSecretValue, secret error, ResourceNotFoundException: /,
        );
      });

      await t.step("AccessDenied is not fatal", async () => {
        proxy.setFault({ api: "GetSecretValue" }, { kind: "accessDenied", times: 1 });
        const failure = await failureOf(east.secretsManager.getSecretValue({ secretId: "app/db" }));
        assert.deepEqual([failure.code, failure.fatal, failure.httpStatus], [
          "AccessDeniedException",
          false,
          400,
        ]);
        proxy.setFault({ api: "BatchGetSecretValue" }, { kind: "accessDenied", times: 1 });
        const batchFailure = await failureOf(east.secretsManager.batchGetSecretValue(["app/db"]));
        assert.deepEqual([batchFailure.code, batchFailure.fatal], ["AccessDeniedException", false]);
      });

      await t.step("throttling and server errors are not fatal", async () => {
        proxy.setFault({ api: "GetSecretValue" }, { kind: "throttle", times: 1 });
        const throttled = await failureOf(
          east.secretsManager.getSecretValue({ secretId: "app/db" }),
        );
        assert.deepEqual([throttled.code, throttled.fatal], ["ThrottlingException", false]);
        proxy.setFault({ api: "GetSecretValue" }, { kind: "status", status: 500, times: 1 });
        const server = await failureOf(east.secretsManager.getSecretValue({ secretId: "app/db" }));
        assert.deepEqual([server.code, server.fatal, server.httpStatus], [
          "InternalServiceError",
          false,
          500,
        ]);
      });

      await t.step("an aborted call fails at once, non-fatally", async () => {
        proxy.setFault({ api: "GetSecretValue" }, { kind: "hang", times: 1 });
        const started = performance.now();
        const failure = await failureOf(
          east.secretsManager.getSecretValue({ secretId: "app/db" }, {
            signal: AbortSignal.timeout(100),
          }),
        );
        assert.equal(failure.fatal, false);
        assert.ok(performance.now() - started < 2_000);
      });

      await seeder.putParameter("us-east-1", "/app/plain", "one");
      await seeder.putParameter("us-east-1", "/app/plain", "two", { overwrite: true });
      await seeder.putParameter("us-east-1", "/app/plain", "three", { overwrite: true });
      await seeder.labelParameterVersion("us-east-1", "/app/plain", 2, ["blue"]);
      await seeder.putParameter("us-east-1", "/app/secure", "s3cr3t", { type: "SecureString" });
      await seeder.putParameter("us-east-1", "/app/list", "a,b,c", { type: "StringList" });

      await t.step(
        "GetParameters decrypts SecureStrings and keeps StringLists joined",
        async () => {
          const answer = await east.ssm.getParameters(["/app/secure", "/app/list"]);
          assert.deepEqual(
            answer.parameters.map((p) => [p.name, p.value, p.version]).sort(),
            [["/app/list", "a,b,c", 1], ["/app/secure", "s3cr3t", 1]],
          );
          assert.deepEqual(answer.invalid, []);
          assert.match(
            answer.parameters[0].arn ?? "",
            /^arn:aws:ssm:us-east-1:\d{12}:parameter\/app\//,
          );
        },
      );

      await t.step("GetParameters selects versions and labels", async () => {
        const answer = await east.ssm.getParameters(["/app/plain:1", "/app/plain:blue"]);
        assert.deepEqual(
          answer.parameters.map((p) => [p.name, p.value, p.version]).sort(),
          [["/app/plain", "one", 1], ["/app/plain", "two", 2]],
        );
        const latest = await east.ssm.getParameters(["/app/plain"]);
        assert.deepEqual(latest.parameters.map((p) => [p.value, p.version]), [["three", 3]]);
      });

      await t.step("unknown names and versions come back as invalid", async () => {
        const answer = await east.ssm.getParameters(["/app/plain", "/nope", "/app/plain:9"]);
        assert.deepEqual(answer.parameters.map((p) => p.value), ["three"]);
        assert.deepEqual(answer.invalid.sort(), ["/app/plain:9", "/nope"]);
      });

      await t.step("GetParameters errors are classified", async () => {
        proxy.setFault({ api: "GetParameters" }, { kind: "accessDenied", times: 1 });
        const denied = await failureOf(east.ssm.getParameters(["/app/plain"]));
        assert.deepEqual([denied.code, denied.fatal], ["AccessDeniedException", false]);
        assert.match(
          denied.text,
          /^operation error SSM: GetParameters, https response error StatusCode: 400/,
        );
        proxy.setFault({ api: "GetParameters" }, {
          kind: "status",
          status: 400,
          code: "InvalidKeyId",
          times: 1,
        });
        const badKey = await failureOf(east.ssm.getParameters(["/app/secure"]));
        assert.deepEqual([badKey.code, badKey.fatal], ["InvalidKeyId", true]);
      });

      await t.step("calls carry the region's SigV4 scope", () => {
        const regions = new Set(proxy.calls().map((call) => call.region));
        assert.deepEqual([...regions].sort(), ["us-east-1", "us-west-2"]);
      });

      await t.step("clients of at most MAX_REGION_CLIENTS regions are kept", async () => {
        for (let i = 0; i < MAX_REGION_CLIENTS + 8; i++) {
          // moto answers any region; each call makes that region's clients.
          await failureOf(
            pool.get(`xx-test-${i}`, credentials).secretsManager.getSecretValue({
              secretId: "none",
            }),
          );
          assert.ok(pool.size <= MAX_REGION_CLIENTS, `${pool.size} regions kept`);
        }
        assert.equal(pool.size, MAX_REGION_CLIENTS);
        // A dropped region works again (its clients are made anew).
        const again = await east.secretsManager.getSecretValue({ secretId: "app/db" });
        assert.equal(again.name, "app/db");
      });
    } finally {
      pool.destroy();
    }
  });
});

Deno.test({
  name: "concurrent calls through the shared clients each carry their own identity's credentials",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using moto = await startMoto();
    await using proxy = await startFaultProxy(moto.url);
    using seeder = createSeeder(moto.url);
    await seeder.createSecret("us-east-1", "shared-client", "v");
    await withEnv({ AWS_ENDPOINT_URL: proxy.url }, async () => {
      const pool = new SdkStorePool({ appId: "test" });
      const as = (accessKeyId: string) => () =>
        Promise.resolve({ accessKeyId, secretAccessKey: "x" });
      try {
        const a = pool.get("us-east-1", as("AKIDPODAAAAAAAAAAAAA"));
        const b = pool.get("us-east-1", as("AKIDPODBBBBBBBBBBBBB"));
        await Promise.all([
          ...Array.from(
            { length: 30 },
            () => a.secretsManager.getSecretValue({ secretId: "shared-client" }),
          ),
          ...Array.from(
            { length: 70 },
            () => b.secretsManager.getSecretValue({ secretId: "shared-client" }),
          ),
        ]);
        assert.deepEqual(proxy.countBy((call) => call.accessKeyId), {
          AKIDPODAAAAAAAAAAAAA: 30,
          AKIDPODBBBBBBBBBBBBB: 70,
        });
      } finally {
        pool.destroy();
      }
    });
  },
});

Deno.test("untilAborted rejects when the signal aborts and otherwise settles with the promise", async () => {
  assert.equal(await untilAborted(Promise.resolve("value"), undefined), "value");
  assert.equal(await untilAborted(Promise.resolve("value"), new AbortController().signal), "value");
  const aborted = AbortSignal.abort(new Error("deadline passed"));
  await assert.rejects(untilAborted(new Promise(() => {}), aborted), {
    name: "AbortError",
    message: "deadline passed",
  });
  const controller = new AbortController();
  const pending = untilAborted(new Promise(() => {}), controller.signal);
  controller.abort();
  await assert.rejects(pending, { name: "AbortError", message: "The signal has been aborted" });
});

Deno.test({
  name: "a client's default user agent is computed once and sent unchanged on every request",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const { SecretsManagerClient, ListSecretsCommand } = await import(
      "@aws-sdk/client-secrets-manager"
    );
    await using moto = await startMoto();
    const client = new SecretsManagerClient({
      region: "us-east-1",
      endpoint: moto.url,
      credentials,
      userAgentAppId: "ua-test",
    });
    try {
      const original = client.config.defaultUserAgentProvider;
      let computed = 0;
      client.config.defaultUserAgentProvider = () => {
        computed++;
        return original();
      };
      memoizeDefaultUserAgent(client);
      const sent: string[] = [];
      client.middlewareStack.add(
        (next) => (args) => {
          sent.push(
            String((args.request as { headers: Record<string, string> }).headers["user-agent"]),
          );
          return next(args);
        },
        { step: "finalizeRequest", name: "captureUserAgent" },
      );
      for (let i = 0; i < 3; i++) await client.send(new ListSecretsCommand({}));
      assert.equal(computed, 1);
      assert.equal(sent.length, 3);
      assert.equal(new Set(sent).size, 1, sent.join("\n"));
      assert.match(
        sent[0],
        /^aws-sdk-js\/\S+ ua\/2\.1 os\/linux#\S+ lang\/js md\/deno#\S+ .*app\/ua-test$/,
      );
    } finally {
      client.destroy();
    }
  },
});

Deno.test("memoizeDefaultUserAgent does not keep a failure", async () => {
  let calls = 0;
  const client = {
    config: {
      defaultUserAgentProvider: () =>
        ++calls === 1 ? Promise.reject(new Error("once")) : Promise.resolve(["ok"]),
    },
  };
  memoizeDefaultUserAgent(client);
  await assert.rejects(client.config.defaultUserAgentProvider(), /once/);
  assert.deepEqual(await client.config.defaultUserAgentProvider(), ["ok"]);
  assert.deepEqual(await client.config.defaultUserAgentProvider(), ["ok"]);
  assert.equal(calls, 2);
});
