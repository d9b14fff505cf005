import assert from "node:assert/strict";
import {
  BatchGetSecretValueCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { GetParametersCommand, SSMClient } from "@aws-sdk/client-ssm";
import { createSeeder, testClientConfig } from "./aws_seed.ts";
import { startMoto } from "./moto_server.ts";

const ROLE_ARN = "arn:aws:iam::123456789012:role/secrets-reader";

Deno.test("seeder", async (t) => {
  await using moto = await startMoto();
  using seeder = createSeeder(moto.url);
  const secrets = new SecretsManagerClient(testClientConfig(moto.url, "eu-west-1"));
  const ssm = new SSMClient(testClientConfig(moto.url, "eu-west-1"));
  try {
    await t.step("creates string and binary secrets", async () => {
      const created = await seeder.createSecret("eu-west-1", "app/db", "s3cret");
      assert.match(created.arn, /^arn:aws:secretsmanager:eu-west-1:123456789012:secret:app\/db-/);
      assert.equal(created.name, "app/db");
      const out = await secrets.send(new GetSecretValueCommand({ SecretId: created.arn }));
      assert.equal(out.SecretString, "s3cret");
      assert.equal(out.VersionId, created.versionId);

      await seeder.createSecret("eu-west-1", "app/key", new Uint8Array([1, 2, 3]));
      const binary = await secrets.send(new GetSecretValueCommand({ SecretId: "app/key" }));
      assert.deepEqual(binary.SecretBinary, new Uint8Array([1, 2, 3]));
    });

    await t.step("adds versions and moves staging labels", async () => {
      const pending = await seeder.putSecretValue("eu-west-1", "app/db", "next", {
        versionStages: ["AWSPENDING"],
      });
      const current = await secrets.send(new GetSecretValueCommand({ SecretId: "app/db" }));
      assert.equal(current.SecretString, "s3cret");
      await seeder.updateSecretVersionStage("eu-west-1", "app/db", "AWSCURRENT", {
        moveToVersionId: pending.versionId,
        removeFromVersionId: current.VersionId,
      });
      const after = await secrets.send(new GetSecretValueCommand({ SecretId: "app/db" }));
      assert.equal(after.SecretString, "next"); // needs moto_launch.py's patch
      const batch = await secrets.send(
        new BatchGetSecretValueCommand({ SecretIdList: ["app/db"] }),
      );
      assert.equal(batch.SecretValues?.[0].SecretString, "next");
      const { versionId } = await seeder.putSecretValue("eu-west-1", "app/db", "third");
      const third = await secrets.send(new GetSecretValueCommand({ SecretId: "app/db" }));
      assert.equal(third.VersionId, versionId);
    });

    await t.step("deletes secrets at once", async () => {
      await seeder.deleteSecret("eu-west-1", "app/key");
      await assert.rejects(
        secrets.send(new DescribeSecretCommand({ SecretId: "app/key" })),
        { name: "ResourceNotFoundException" },
      );
    });

    await t.step("puts and labels parameters", async () => {
      assert.deepEqual(await seeder.putParameter("eu-west-1", "/app/mode", "blue"), { version: 1 });
      const second = await seeder.putParameter("eu-west-1", "/app/mode", "green", {
        overwrite: true,
        type: "String",
      });
      assert.equal(second.version, 2);
      await seeder.labelParameterVersion("eu-west-1", "/app/mode", 1, ["stable"]);
      await seeder.putParameter("eu-west-1", "/app/pw", "pw", { type: "SecureString" });
      const out = await ssm.send(
        new GetParametersCommand({ Names: ["/app/mode:stable", "/app/pw"], WithDecryption: true }),
      );
      assert.deepEqual(out.Parameters?.map((p) => [p.Value, p.Type]).sort(), [
        ["blue", "String"],
        ["pw", "SecureString"],
      ]);
    });

    await t.step("assumes a role with a web identity token", async () => {
      const role = await seeder.assumeRoleWithWebIdentity("eu-west-1", ROLE_ARN, "token");
      assert.match(
        role.assumedRoleArn,
        /^arn:aws:sts::123456789012:assumed-role\/secrets-reader\//,
      );
      assert.ok(role.accessKeyId && role.secretAccessKey && role.sessionToken);
    });
  } finally {
    secrets.destroy();
    ssm.destroy();
  }
});
