/**
 * Bad input of every kind gets a clear gRPC error; the process keeps serving
 * other mounts, never writes outside the mount, and never logs a secret value
 * or a token.
 */

import assert from "node:assert/strict";
import { PRIMARY_REGION, readMount, startStack, TEST_TOKENS } from "../../devstack/mod.ts";

const SECRET_VALUE = "s3cr3t-value-that-must-never-be-logged";

Deno.test({
  name: "hostile or malformed requests are refused clearly and the provider keeps serving",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await using stack = await startStack();
    const { provider } = stack;
    await stack.seeder.createSecret(
      PRIMARY_REGION,
      "it-hostile",
      JSON.stringify({ key: SECRET_VALUE }),
    );
    const good = {
      region: PRIMARY_REGION,
      objects: "- {objectName: it-hostile, objectType: secretsmanager}",
    };

    const refused = async (
      call: Parameters<typeof provider.driver.mount>[0],
      expected: string | RegExp,
    ) => {
      const outcome = await provider.driver.mount(call);
      assert.equal(outcome.ok, false, `expected a refusal, got ${JSON.stringify(outcome)}`);
      if (outcome.ok) return;
      if (typeof expected === "string") assert.equal(outcome.message, expected);
      else assert.match(outcome.message, expected);
    };

    await t.step("malformed attributes JSON", async () => {
      const targetPath = await provider.newTargetPath();
      await refused(
        { targetPath, parameters: {}, rawAttributes: "" },
        "failed to unmarshal attributes, error: unexpected end of JSON input",
      );
      await refused(
        { targetPath, parameters: {}, rawAttributes: '{"region": 5}' },
        "failed to unmarshal attributes, error: json: cannot unmarshal number into Go value of type string",
      );
      await refused(
        { targetPath, parameters: {}, rawAttributes: "[1,2" },
        "failed to unmarshal attributes, error: unexpected end of JSON input",
      );
    });

    await t.step("a missing or relative target path", async () => {
      await refused({ targetPath: "", parameters: good }, "Missing mount path");
      await refused(
        { targetPath: "relative/dir", parameters: good },
        'invalid mount path "relative/dir": it must be an absolute path',
      );
      await refused(
        { targetPath: `${provider.process.mountRoot}/../escape`, parameters: good },
        /^invalid mount path ".*": it must not contain '\.\.'$/,
      );
    });

    await t.step("bad permission and bad usePodIdentity", async () => {
      const targetPath = await provider.newTargetPath();
      await refused(
        { targetPath, parameters: good, permission: '"420"' },
        "failed to unmarshal file permission, error: json: cannot unmarshal string into Go value of type fs.FileMode",
      );
      await refused(
        { targetPath, parameters: { ...good, usePodIdentity: "maybe" } },
        'failed to parse usePodIdentity value, error: strconv.ParseBool: parsing "maybe": invalid syntax',
      );
    });

    await t.step("malformed objects YAML and a YAML alias bomb", async () => {
      const targetPath = await provider.newTargetPath();
      await refused(
        { targetPath, parameters: { region: PRIMARY_REGION, objects: "- objectName: a: b" } },
        // go-yaml's own text: a scanner error on the first line carries no line number.
        "Failed to load SecretProviderClass: error converting YAML to JSON: yaml: mapping values are not allowed in this context",
      );
      const bomb = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
      for (let level = 1; level < 9; level++) {
        const previous = String.fromCharCode(96 + level);
        const name = String.fromCharCode(97 + level);
        bomb.push(`${name}: &${name} [${Array(10).fill(`*${previous}`).join(", ")}]`);
      }
      const started = Date.now();
      await refused(
        { targetPath, parameters: { region: PRIMARY_REGION, objects: bomb.join("\n") } },
        /^Failed to load SecretProviderClass: .*excessive aliasing/,
      );
      assert.ok(Date.now() - started < 5_000, "the alias bomb must be refused quickly");
    });

    await t.step("file names that would leave the mount", async () => {
      const targetPath = await provider.newTargetPath();
      const mount = (alias: string, pathTranslation = "False") =>
        provider.driver.mount({
          targetPath,
          parameters: {
            region: PRIMARY_REGION,
            pathTranslation,
            objects:
              `- {objectName: it-hostile, objectType: secretsmanager, objectAlias: "${alias}"}`,
          },
        });
      for (const alias of ["../../etc/passwd", "a/../../b", ".."]) {
        const outcome = await mount(alias);
        assert.equal(outcome.ok, false, alias);
      }
      const reserved = await mount("..data", "_");
      assert.deepEqual(reserved, {
        ok: false,
        code: 2,
        message:
          `file name "..data" of object it-hostile is not allowed: names starting with '..' are reserved by the CSI driver`,
      });
      const nul = await mount("a\\0b");
      assert.deepEqual(nul, {
        ok: false,
        code: 2,
        message:
          'file name "a\\u0000b" of object it-hostile is not allowed: it contains a NUL byte',
      });
      assert.deepEqual(await readMount(targetPath), {});
    });

    await t.step("an invalid JMESPath expression", async () => {
      await refused(
        {
          targetPath: await provider.newTargetPath(),
          parameters: {
            region: PRIMARY_REGION,
            objects: [
              "- objectName: it-hostile",
              "  objectType: secretsmanager",
              "  jmesPath: [{path: '[[[', objectAlias: broken}]",
            ].join("\n"),
          },
        },
        /^Failed to fetch secret from all regions\..* \(us-east-1: JmesPathError: Invalid JMES Path: \[\[\[\.\)$/,
      );
    });

    await t.step(
      "attributes over --max-attributes-bytes are refused before parsing; above 4 MiB gRPC refuses them",
      async () => {
        const served = await provider.driver.mount({
          targetPath: await provider.newTargetPath(),
          parameters: { ...good, padding: "x".repeat(400 * 1024) },
        });
        assert.equal(served.ok, true);
        const large = await provider.driver.mount({
          targetPath: await provider.newTargetPath(),
          parameters: { ...good, padding: "x".repeat(3 * 1024 * 1024) },
        });
        assert.equal(large.ok, false);
        if (!large.ok) {
          assert.match(
            large.message,
            /^the attributes JSON is \d+ bytes; the limit is 524288 bytes \(provider flag --max-attributes-bytes\)$/,
          );
        }
        const huge = await provider.driver.mount({
          targetPath: await provider.newTargetPath(),
          parameters: { ...good, padding: "x".repeat(5 * 1024 * 1024) },
        });
        assert.equal(huge.ok, false);
        if (!huge.ok) assert.equal(huge.code, 8, "gRPC RESOURCE_EXHAUSTED above the 4 MiB limit");
      },
    );

    await t.step("after all that, a normal mount still works", async () => {
      const targetPath = await provider.newTargetPath();
      const outcome = await provider.driver.mount({ targetPath, parameters: good });
      assert.equal(outcome.ok, true);
      assert.equal(
        (await readMount(targetPath))["it-hostile"].text,
        JSON.stringify({ key: SECRET_VALUE }),
      );
    });

    await t.step("no log line holds the secret value or a token", () => {
      const lines = provider.process.lines();
      assert.ok(lines.length > 10);
      for (const line of lines) {
        assert.ok(!line.includes(SECRET_VALUE), `secret in log: ${line.slice(0, 200)}`);
        for (const token of Object.values(TEST_TOKENS)) {
          assert.ok(!line.includes(token), "token in log");
        }
      }
    });
  },
});
