// The selector calls of the SDK stores (GetParametersByPath, BatchGetSecretValue
// with filters) against moto, page by page, through the fault proxy.
import assert from "node:assert/strict";
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { createSeeder, startFaultProxy, startMoto, testClientConfig } from "../../devstack/mod.ts";
import { AwsFailureError } from "./aws_failure.ts";
import { SdkStorePool } from "./sdk_stores.ts";
import type { SecretsFilter, SecretsManagerApi, SsmApi } from "./store_apis.ts";
import { withEnv } from "./_test_env.ts";

const decoder = new TextDecoder();
const credentials = () => Promise.resolve({ accessKeyId: "AKIDTEST", secretAccessKey: "test" });

/** Every page of a path, as `name=value@version`, and the number of pages. */
async function allParameters(ssm: SsmApi, path: string, recursive: boolean) {
  const found: string[] = [];
  let nextToken: string | undefined;
  let pages = 0;
  do {
    const page = await ssm.getParametersByPath!({ path, recursive, nextToken });
    pages++;
    found.push(...page.parameters.map((p) => `${p.name}=${p.value}@${p.version}`));
    nextToken = page.nextToken;
  } while (nextToken !== undefined);
  return { found: found.sort(), pages };
}

/** Every page of a filter selection, as `name=value`, and the number of pages. */
async function allSecrets(api: SecretsManagerApi, filters: SecretsFilter[]) {
  const found: string[] = [];
  let nextToken: string | undefined;
  let pages = 0;
  do {
    const page = await api.batchGetSecretValueByFilters!({ filters, nextToken });
    pages++;
    assert.deepEqual(page.errors, []);
    found.push(...page.values.map((v) => `${v.name}=${decoder.decode(v.bytes)}`));
    nextToken = page.nextToken;
  } while (nextToken !== undefined);
  return { found: found.sort(), pages };
}

Deno.test("SDK selector calls against moto", async (t) => {
  await using moto = await startMoto();
  await using proxy = await startFaultProxy(moto.url);
  using seeder = createSeeder(moto.url);
  const tagging = new SecretsManagerClient(testClientConfig(moto.url, "us-east-1"));
  await withEnv({ AWS_ENDPOINT_URL: proxy.url, AWS_MAX_ATTEMPTS: "1" }, async () => {
    const pool = new SdkStorePool({ appId: "secrets-store-csi-driver-provider-aws-test" });
    try {
      const east = pool.get("us-east-1", credentials);

      await t.step("GetParametersByPath: every page, children only unless recursive", async () => {
        for (let i = 0; i < 12; i++) {
          await seeder.putParameter(
            "us-east-1",
            `/sel/app/p${String(i).padStart(2, "0")}`,
            `v${i}`,
          );
        }
        await seeder.putParameter("us-east-1", "/sel/app/deep/inner", "in~ner", {
          type: "SecureString",
        });
        await seeder.putParameter("us-east-1", "/sel/other", "elsewhere");
        proxy.resetCalls();
        const flat = await allParameters(east.ssm, "/sel/app", false);
        assert.equal(flat.found.length, 12);
        assert.equal(flat.found[0], "/sel/app/p00=v0@1");
        assert.ok(flat.pages >= 2, `${flat.pages} pages`);
        assert.deepEqual(proxy.countBy((call) => call.api), { GetParametersByPath: flat.pages });
        const deep = await allParameters(east.ssm, "/sel/app", true);
        assert.equal(deep.found.length, 13);
        assert.ok(deep.found.includes("/sel/app/deep/inner=in~ner@1"), "decrypted");
      });

      await t.step("BatchGetSecretValue with filters: name prefix, tags, every page", async () => {
        for (let i = 0; i < 23; i++) {
          await tagging.send(
            new CreateSecretCommand({
              Name: `sel/prod/s${String(i).padStart(2, "0")}`,
              SecretString: `S~${i}`,
              Tags: [{ Key: "team", Value: i % 2 === 0 ? "payments" : "search" }],
            }),
          );
        }
        await seeder.createSecret("us-east-1", "sel/dev/x", "D~x");
        proxy.resetCalls();
        const byName = await allSecrets(east.secretsManager, [
          { key: "name", values: ["sel/prod/"] },
        ]);
        assert.equal(byName.found.length, 23);
        assert.equal(byName.pages, 2);
        assert.deepEqual(proxy.countBy((call) => call.api), { BatchGetSecretValue: 2 });
        const byTag = await allSecrets(east.secretsManager, [
          { key: "name", values: ["sel/"] },
          { key: "tag-key", values: ["team"] },
          { key: "tag-value", values: ["payments"] },
        ]);
        assert.equal(byTag.found.length, 12);
        assert.ok(byTag.found.includes("sel/prod/s22=S~22"));
      });

      await t.step("failures are classified by the operations' modeled errors", async () => {
        proxy.setFault({ api: "GetParametersByPath" }, {
          kind: "status",
          status: 400,
          code: "InvalidNextToken",
          message: "The specified token isn't valid.",
          times: 1,
        });
        const ssmError = await east.ssm.getParametersByPath!({ path: "/sel", recursive: false })
          .catch((error) => error);
        assert.ok(ssmError instanceof AwsFailureError);
        assert.equal(ssmError.awsFailure.fatal, true);
        assert.match(ssmError.awsFailure.text, /^operation error SSM: GetParametersByPath, /);
        proxy.setFault({ api: "BatchGetSecretValue" }, { kind: "throttle", times: 1 });
        const smError = await east.secretsManager.batchGetSecretValueByFilters!({
          filters: [{ key: "name", values: ["sel/"] }],
        }).catch((error) => error);
        assert.ok(smError instanceof AwsFailureError);
        assert.equal(smError.awsFailure.fatal, false);
        assert.equal(smError.awsFailure.code, "ThrottlingException");
      });
    } finally {
      pool.destroy();
      tagging.destroy();
    }
  });
});
