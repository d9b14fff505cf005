/**
 * Secrets Manager mounts through the real socket, with the provider running
 * as its own process under its production permissions and moto behind the
 * fault proxy.
 */

import assert from "node:assert/strict";
import { PRIMARY_REGION, readMount, startStack } from "../../devstack/mod.ts";

const SM = "secretsmanager";

function objects(...entries: string[]): string {
  return entries.join("\n");
}

Deno.test({
  name:
    "Secrets Manager objects are mounted as files with the Go provider's names, modes and versions",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await using stack = await startStack();
    const { provider, seeder, proxy } = stack;
    const mount = async (parameters: Record<string, string>, permission?: string) => {
      const targetPath = await provider.newTargetPath();
      const outcome = await provider.driver.mount({
        targetPath,
        permission,
        parameters: { region: PRIMARY_REGION, ...parameters },
      });
      return { outcome, targetPath };
    };

    await t.step(
      "a string secret becomes a 0644 file named after it, version = VersionId",
      async () => {
        const secret = await seeder.createSecret(PRIMARY_REGION, "it-sm/plain", "hunter2");
        const { outcome, targetPath } = await mount({
          objects: objects(`- objectName: it-sm/plain`, `  objectType: ${SM}`),
        });
        assert.deepEqual(outcome, {
          ok: true,
          versions: { "it-sm_plain": secret.versionId },
          files: [],
        });
        const files = await readMount(targetPath);
        assert.deepEqual(Object.keys(files), ["it-sm_plain"]);
        assert.equal(files["it-sm_plain"].text, "hunter2");
        assert.equal(files["it-sm_plain"].mode, 0o644);
      },
    );

    await t.step("a binary secret is written byte for byte", async () => {
      const bytes = new Uint8Array([0, 1, 2, 127, 128, 254, 255, 10]);
      await seeder.createSecret(PRIMARY_REGION, "it-sm-binary", bytes);
      const { outcome, targetPath } = await mount({
        objects: objects(`- objectName: it-sm-binary`, `  objectType: ${SM}`),
      });
      assert.equal(outcome.ok, true);
      assert.deepEqual((await readMount(targetPath))["it-sm-binary"].bytes, bytes);
    });

    await t.step("objectVersion and objectVersionLabel pin older versions", async () => {
      const first = await seeder.createSecret(PRIMARY_REGION, "it-sm-versions", "0ne~Vq");
      const second = await seeder.putSecretValue(PRIMARY_REGION, "it-sm-versions", "tw0~Vq");
      const { outcome, targetPath } = await mount({
        objects: objects(
          `- objectName: it-sm-versions`,
          `  objectType: ${SM}`,
          `- objectName: it-sm-versions`,
          `  objectType: ${SM}`,
          `  objectAlias: pinned`,
          `  objectVersion: ${first.versionId}`,
          `- objectName: it-sm-versions`,
          `  objectType: ${SM}`,
          `  objectAlias: previous`,
          `  objectVersionLabel: AWSPREVIOUS`,
        ),
      });
      assert.deepEqual(outcome, {
        ok: true,
        files: [],
        versions: {
          "it-sm-versions": second.versionId,
          pinned: first.versionId,
          previous: first.versionId,
        },
      });
      const files = await readMount(targetPath);
      assert.equal(files["it-sm-versions"].text, "tw0~Vq");
      assert.equal(files["pinned"].text, "0ne~Vq");
      assert.equal(files["previous"].text, "0ne~Vq");
    });

    await t.step(
      "a full ARN needs no objectType; an ARN of another region is refused",
      async () => {
        const secret = await seeder.createSecret(PRIMARY_REGION, "it-sm-arn", "by-4rn~");
        const ok = await mount({ objects: `- objectName: ${secret.arn}\n  objectAlias: arn-file` });
        assert.equal(ok.outcome.ok, true);
        assert.equal((await readMount(ok.targetPath))["arn-file"].text, "by-4rn~");
        const other = secret.arn.replace(":us-east-1:", ":eu-west-1:");
        const refused = await mount({ objects: `- objectName: ${other}` });
        assert.deepEqual(refused.outcome, {
          ok: false,
          code: 2,
          message: `ARN region must match region us-east-1: ${other}`,
        });
      },
    );

    await t.step("jmesPath entries become files with their own aliases and modes", async () => {
      const secret = await seeder.createSecret(
        PRIMARY_REGION,
        "it-sm-json",
        JSON.stringify({ username: "4pp~u", "my-key": "d4shed~", nested: { token: "d33p~" } }),
      );
      const { outcome, targetPath } = await mount({
        objects: objects(
          `- objectName: it-sm-json`,
          `  objectType: ${SM}`,
          `  filePermission: "0640"`,
          `  jmesPath:`,
          `    - path: username`,
          `      objectAlias: db-user`,
          `      filePermission: "0600"`,
          `    - path: '"my-key"'`,
          `      objectAlias: dashed-key`,
          `    - path: nested.token`,
          `      objectAlias: deep-token`,
        ),
      });
      assert.deepEqual(outcome, {
        ok: true,
        files: [],
        versions: {
          "it-sm-json": secret.versionId,
          "db-user": secret.versionId,
          "dashed-key": secret.versionId,
          "deep-token": secret.versionId,
        },
      });
      const files = await readMount(targetPath);
      assert.deepEqual(
        Object.fromEntries(
          Object.entries(files).map(([path, file]) => [path, [file.text, file.mode]]),
        ),
        {
          "it-sm-json": [
            '{"username":"4pp~u","my-key":"d4shed~","nested":{"token":"d33p~"}}',
            0o640,
          ],
          "db-user": ["4pp~u", 0o600],
          "dashed-key": ["d4shed~", 0o640],
          "deep-token": ["d33p~", 0o640],
        },
      );
    });

    await t.step(
      "a jmesPath result that is not a string fails with the Go text and the region's answer",
      async () => {
        await seeder.createSecret(PRIMARY_REGION, "it-sm-json-number", '{"port": 5432}');
        const { outcome } = await mount({
          objects: objects(
            `- objectName: it-sm-json-number`,
            `  objectType: ${SM}`,
            `  jmesPath:`,
            `    - path: port`,
            `      objectAlias: port`,
          ),
        });
        assert.deepEqual(outcome, {
          ok: false,
          code: 2,
          message:
            "Failed to fetch secret from all regions. Verify secret exists and required permissions are granted for: it-sm-json-number" +
            " (us-east-1: JmesPathError: Invalid JMES search result type for path:port. Only string is allowed.)",
        });
      },
    );

    await t.step(
      "pathTranslation replaces slashes, or keeps them as directories when False",
      async () => {
        await seeder.createSecret(PRIMARY_REGION, "it-sm/dir/leaf", "n3st~ed");
        const object = objects(`- objectName: it-sm/dir/leaf`, `  objectType: ${SM}`);
        const dashed = await mount({ objects: object, pathTranslation: "-" });
        assert.deepEqual(Object.keys(await readMount(dashed.targetPath)), ["it-sm-dir-leaf"]);
        const kept = await mount({ objects: object, pathTranslation: "False" });
        assert.equal(kept.outcome.ok, true);
        assert.equal((await readMount(kept.targetPath))["it-sm/dir/leaf"].text, "n3st~ed");
        const directory = await Deno.stat(`${kept.targetPath}/it-sm/dir`);
        assert.equal(directory.mode! & 0o777, 0o755);
      },
    );

    await t.step(
      "the request permission is the default mode, filePermission overrides it",
      async () => {
        await seeder.createSecret(PRIMARY_REGION, "it-sm-mode-a", "A~q1");
        await seeder.createSecret(PRIMARY_REGION, "it-sm-mode-b", "B~q2");
        const { outcome, targetPath } = await mount({
          objects: objects(
            `- objectName: it-sm-mode-a`,
            `  objectType: ${SM}`,
            `- objectName: it-sm-mode-b`,
            `  objectType: ${SM}`,
            `  filePermission: "0400"`,
          ),
        }, "384");
        assert.equal(outcome.ok, true);
        const files = await readMount(targetPath);
        assert.equal(files["it-sm-mode-a"].mode, 0o600);
        assert.equal(files["it-sm-mode-b"].mode, 0o400);
      },
    );

    await t.step(
      "30 secrets in one mount cost 2 BatchGetSecretValue calls and nothing else",
      async () => {
        const names = Array.from(
          { length: 30 },
          (_, i) => `it-sm-many-${String(i).padStart(2, "0")}`,
        );
        for (const name of names) {
          await seeder.createSecret(PRIMARY_REGION, name, `value of ${name}`);
        }
        proxy.resetCalls();
        const { outcome, targetPath } = await mount({
          objects: objects(...names.map((name) => `- {objectName: ${name}, objectType: ${SM}}`)),
        });
        assert.equal(outcome.ok, true);
        const files = await readMount(targetPath);
        assert.deepEqual(Object.keys(files).sort(), names);
        for (const name of names) assert.equal(files[name].text, `value of ${name}`);
        assert.deepEqual(proxy.countBy((call) => `${call.service}.${call.api}`), {
          "secretsmanager.BatchGetSecretValue": 2,
        });
      },
    );

    await t.step(
      "a missing secret is a fatal error with the region and the service's answer",
      async () => {
        const { outcome } = await mount({
          objects: objects(`- objectName: it-sm-missing`, `  objectType: ${SM}`),
        });
        assert.equal(outcome.ok, false);
        if (outcome.ok) return;
        assert.match(
          outcome.message,
          /^us-east-1: Failed fetching secret it-sm-missing: .*ResourceNotFoundException: Secrets Manager can't find the specified secret\.$/,
        );
      },
    );

    await t.step(
      "a remount replaces the files atomically and leaves no temporary files",
      async () => {
        await seeder.createSecret(PRIMARY_REGION, "it-sm-rotate", "bef0re~r");
        const targetPath = await provider.newTargetPath();
        const parameters = {
          region: PRIMARY_REGION,
          objects: objects(`- objectName: it-sm-rotate`, `  objectType: ${SM}`),
        };
        const first = await provider.driver.mount({ targetPath, parameters });
        await seeder.putSecretValue(PRIMARY_REGION, "it-sm-rotate", "aft3r~r");
        const second = await provider.driver.mount({ targetPath, parameters });
        assert.ok(first.ok && second.ok);
        assert.notEqual(first.versions["it-sm-rotate"], second.versions["it-sm-rotate"]);
        const files = await readMount(targetPath);
        assert.deepEqual(Object.keys(files), ["it-sm-rotate"]);
        assert.equal(files["it-sm-rotate"].text, "aft3r~r");
      },
    );

    await t.step("a class without objects is a clear error, not an empty answer", async () => {
      const { outcome } = await mount({ objects: "" });
      assert.deepEqual(outcome, {
        ok: false,
        code: 2,
        message: "no objects to mount: the objects parameter of the SecretProviderClass lists none",
      });
    });
  },
});

Deno.test({
  name: "with --driver-writes-secrets the files come back in the response and nothing is written",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using stack = await startStack({ provider: { driverWritesSecrets: true } });
    const { provider } = stack;
    const secret = await stack.seeder.createSecret(
      PRIMARY_REGION,
      "it-dw/app/config",
      '{"a":"B~dw"}',
    );
    const targetPath = await provider.newTargetPath();
    const outcome = await provider.driver.mount({
      targetPath,
      parameters: {
        region: PRIMARY_REGION,
        pathTranslation: "False",
        objects: objects(
          `- objectName: it-dw/app/config`,
          `  objectType: ${SM}`,
          `  filePermission: "0600"`,
          `  jmesPath:`,
          `    - {path: a, objectAlias: only-a, filePermission: "0777"}`,
        ),
      },
    });
    assert.deepEqual(outcome, {
      ok: true,
      versions: { "it-dw/app/config": secret.versionId, "only-a": secret.versionId },
      files: [
        {
          path: "it-dw/app/config",
          mode: 0o600,
          contents: new TextEncoder().encode('{"a":"B~dw"}'),
        },
        { path: "only-a", mode: 0o777, contents: new TextEncoder().encode("B~dw") },
      ],
    });
    assert.deepEqual(await readMount(targetPath), {});
  },
});
