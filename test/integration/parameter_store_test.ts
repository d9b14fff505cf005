/**
 * SSM Parameter Store mounts through the real socket against moto.
 */

import assert from "node:assert/strict";
import { PRIMARY_REGION, readMount, startStack } from "../../devstack/mod.ts";

const SSM = "ssmparameter";

Deno.test({
  name: "SSM parameters are mounted with versions, labels, decryption and the Go provider's errors",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await using stack = await startStack();
    const { provider, seeder, proxy } = stack;
    const mount = async (objects: string[], parameters: Record<string, string> = {}) => {
      const targetPath = await provider.newTargetPath();
      const outcome = await provider.driver.mount({
        targetPath,
        parameters: { region: PRIMARY_REGION, objects: objects.join("\n"), ...parameters },
      });
      return { outcome, files: await readMount(targetPath) };
    };

    await t.step(
      "String, SecureString (decrypted) and StringList parameters become files",
      async () => {
        await seeder.putParameter(PRIMARY_REGION, "/it-ssm/plain", "t3xt~p");
        await seeder.putParameter(PRIMARY_REGION, "/it-ssm/secure", "s3cr3t", {
          type: "SecureString",
        });
        await seeder.putParameter(PRIMARY_REGION, "/it-ssm/list", "x~1,y~2,z~3", {
          type: "StringList",
        });
        const { outcome, files } = await mount([
          `- {objectName: /it-ssm/plain, objectType: ${SSM}}`,
          `- {objectName: /it-ssm/secure, objectType: ${SSM}}`,
          `- {objectName: /it-ssm/list, objectType: ${SSM}, objectAlias: list}`,
        ]);
        assert.deepEqual(outcome, {
          ok: true,
          files: [],
          versions: { "_it-ssm_plain": "1", "_it-ssm_secure": "1", list: "1" },
        });
        assert.deepEqual(
          Object.fromEntries(Object.entries(files).map(([path, file]) => [path, file.text])),
          { "_it-ssm_plain": "t3xt~p", "_it-ssm_secure": "s3cr3t", list: "x~1,y~2,z~3" },
        );
      },
    );

    await t.step(
      "objectVersion and objectVersionLabel select `name:version` and `name:label`",
      async () => {
        await seeder.putParameter(PRIMARY_REGION, "/it-ssm/versioned", "V~one");
        await seeder.putParameter(PRIMARY_REGION, "/it-ssm/versioned", "V~two", {
          overwrite: true,
        });
        await seeder.putParameter(PRIMARY_REGION, "/it-ssm/versioned", "V~three", {
          overwrite: true,
        });
        await seeder.labelParameterVersion(PRIMARY_REGION, "/it-ssm/versioned", 2, ["stable"]);
        proxy.resetCalls();
        const { outcome, files } = await mount([
          `- {objectName: /it-ssm/versioned, objectType: ${SSM}, objectAlias: current}`,
          `- {objectName: /it-ssm/versioned, objectType: ${SSM}, objectAlias: first, objectVersion: "1"}`,
          `- {objectName: /it-ssm/versioned, objectType: ${SSM}, objectAlias: stable, objectVersionLabel: stable}`,
        ]);
        assert.deepEqual(outcome, {
          ok: true,
          files: [],
          versions: { current: "3", first: "1", stable: "2" },
        });
        assert.equal(files.current.text, "V~three");
        assert.equal(files.first.text, "V~one");
        assert.equal(files.stable.text, "V~two");
        // The same name never shares a GetParameters call, so every answer maps to one request.
        assert.deepEqual(proxy.countBy((call) => call.api), { GetParameters: 3 });
      },
    );

    await t.step("12 parameters take 2 GetParameters calls (10 names each at most)", async () => {
      const names = Array.from({ length: 12 }, (_, i) => `/it-ssm/batch/p${i}`);
      for (const name of names) await seeder.putParameter(PRIMARY_REGION, name, name.toUpperCase());
      proxy.resetCalls();
      const { outcome, files } = await mount(
        names.map((name) => `- {objectName: ${name}, objectType: ${SSM}}`),
      );
      assert.equal(outcome.ok, true);
      assert.equal(Object.keys(files).length, 12);
      assert.equal(files["_it-ssm_batch_p11"].text, "/IT-SSM/BATCH/P11");
      assert.deepEqual(proxy.countBy((call) => call.api), { GetParameters: 2 });
    });

    await t.step("a parameter ARN needs no objectType", async () => {
      await seeder.putParameter(PRIMARY_REGION, "/it-ssm/by-arn", "arn-value");
      const arn = "arn:aws:ssm:us-east-1:123456789012:parameter/it-ssm/by-arn";
      const { outcome, files } = await mount([`- {objectName: "${arn}", objectAlias: by-arn}`]);
      assert.deepEqual(outcome, { ok: true, files: [], versions: { "by-arn": "1" } });
      assert.equal(files["by-arn"].text, "arn-value");
    });

    await t.step("jmesPath works on a JSON parameter", async () => {
      await seeder.putParameter(
        PRIMARY_REGION,
        "/it-ssm/json",
        '{"host":"db.internal","port":"5432"}',
      );
      const { outcome, files } = await mount([
        `- objectName: /it-ssm/json`,
        `  objectType: ${SSM}`,
        `  jmesPath:`,
        `    - {path: host, objectAlias: db-host}`,
      ]);
      assert.equal(outcome.ok, true);
      assert.equal(files["db-host"].text, "db.internal");
    });

    await t.step("unknown parameters fail the mount with the exact Go text", async () => {
      const { outcome, files } = await mount([
        `- {objectName: /it-ssm/plain, objectType: ${SSM}}`,
        `- {objectName: /it-ssm/nope, objectType: ${SSM}}`,
        `- {objectName: /it-ssm/secure, objectType: ${SSM}, objectAlias: v9, objectVersion: "9"}`,
      ]);
      assert.deepEqual(outcome, {
        ok: false,
        code: 2,
        message: "400: us-east-1: invalid parameters: /it-ssm/nope, /it-ssm/secure:9",
      });
      assert.deepEqual(files, {});
    });

    await t.step(
      "both objectVersion and objectVersionLabel on a parameter is refused",
      async () => {
        const { outcome } = await mount([
          `- {objectName: /it-ssm/plain, objectType: ${SSM}, objectVersion: "1", objectVersionLabel: x}`,
        ]);
        assert.deepEqual(outcome, {
          ok: false,
          code: 2,
          message:
            "ssm parameters can not specify both objectVersion and objectVersionLabel: /it-ssm/plain",
        });
      },
    );

    await t.step("Secrets Manager and SSM objects mount together", async () => {
      await seeder.createSecret(PRIMARY_REGION, "it-mixed-secret", "from-sm");
      const { outcome, files } = await mount([
        `- {objectName: it-mixed-secret, objectType: secretsmanager}`,
        `- {objectName: /it-ssm/plain, objectType: ${SSM}}`,
      ]);
      assert.equal(outcome.ok, true);
      assert.equal(files["it-mixed-secret"].text, "from-sm");
      assert.equal(files["_it-ssm_plain"].text, "t3xt~p");
    });
  },
});
