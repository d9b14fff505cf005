/**
 * objectEncoding end to end: the provider as its own process, over its real
 * socket, against moto in two regions, in both write modes: base64 and hex
 * values (objects, jmesPath entries, an SSM parameter) become their decoded
 * bytes; the failover suite's faults give the failover region's decoded
 * value; a value that does not decode fails naming the object and the
 * encoding, and no value ever reaches an error or a log line (the leak proof
 * of every provider's stop).
 */

import assert from "node:assert/strict";
import { FAILOVER_REGION, PRIMARY_REGION } from "../../devstack/mod.ts";
import { FAILOVER_FAULTS, startTwoModes, WRITE_MODES } from "./_two_modes.ts";

/** A binary keystore (bytes no text encoding survives), one per region. */
const KEYSTORE: Record<string, Uint8Array> = {
  [PRIMARY_REGION]: new Uint8Array([0xfe, 0xed, 0xfe, 0xed, 0x00, 0x02, 0x8f, 0x11, 0xe4, 0x01]),
  [FAILOVER_REGION]: new Uint8Array([0xfe, 0xed, 0xfe, 0xed, 0x00, 0x02, 0x77, 0x3c, 0x0d, 0x0a]),
};

function base64(bytes: Uint8Array, wrap = 0): string {
  const text = btoa(String.fromCharCode(...bytes));
  return wrap > 0 ? text.match(new RegExp(`.{1,${wrap}}`, "g"))!.join("\n") : text;
}

function hex(bytes: Uint8Array): string {
  return [...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

const OBJECTS = [
  "- objectName: it-enc/keystore",
  "  objectType: secretsmanager",
  "  objectAlias: keystore.jks",
  "  objectEncoding: base64",
  "  filePermission: '0400'",
  "- objectName: it-enc/json",
  "  objectType: secretsmanager",
  "  jmesPath:",
  "    - {path: key, objectAlias: key.der, objectEncoding: hex}",
  "    - {path: user, objectAlias: user}",
  "- objectName: /it-enc/param",
  "  objectType: ssmparameter",
  "  objectAlias: param.bin",
  "  objectEncoding: BASE64",
].join("\n");

Deno.test({
  name: "objectEncoding: decoded bytes in both write modes, with failover and clean errors",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await using modes = await startTwoModes({ env: { AWS_MAX_ATTEMPTS: "2" } });
    const { seeder, proxy } = modes.stack;
    for (const region of [PRIMARY_REGION, FAILOVER_REGION]) {
      const bytes = KEYSTORE[region];
      await seeder.createSecret(region, "it-enc/keystore", base64(bytes, 8));
      await seeder.createSecret(
        region,
        "it-enc/json",
        JSON.stringify({ key: hex(bytes.toReversed()), user: `user-${region}` }),
      );
      await seeder.putParameter(
        region,
        "/it-enc/param",
        base64(bytes.subarray(2)).replace(/=+$/, ""),
      );
      await seeder.createSecret(region, "it-enc/broken", `N0t~b64*${region}`);
    }
    const parameters = (objects = OBJECTS) => ({
      region: PRIMARY_REGION,
      failoverRegion: FAILOVER_REGION,
      objects,
    });
    const expected = (region: string) => ({
      "keystore.jks": KEYSTORE[region],
      "it-enc_json": undefined,
      "key.der": KEYSTORE[region].toReversed(),
      user: new TextEncoder().encode(`user-${region}`),
      "param.bin": KEYSTORE[region].subarray(2),
    });

    for (const mode of WRITE_MODES) {
      await t.step(`${mode}: files hold the decoded bytes, with the object's mode`, async () => {
        proxy.clearFaults();
        const mounted = await modes.mount(mode, parameters());
        assert.equal(mounted.ok, true, JSON.stringify(mounted));
        for (const [path, bytes] of Object.entries(expected(PRIMARY_REGION))) {
          if (bytes !== undefined) assert.deepEqual(mounted.files[path].bytes, bytes, path);
        }
        assert.equal(mounted.files["keystore.jks"].mode, 0o400);
        assert.ok(mounted.files["it-enc_json"].text.startsWith('{"key":"'), "raw JSON as fetched");
      });

      for (const [label, fault] of FAILOVER_FAULTS) {
        await t.step(
          `${mode}: primary ${label}: the failover region's decoded values`,
          async () => {
            proxy.clearFaults();
            proxy.setFault({ region: PRIMARY_REGION }, fault);
            const mounted = await modes.mount(mode, parameters());
            assert.equal(mounted.ok, true, JSON.stringify(mounted));
            assert.deepEqual(mounted.files["keystore.jks"].bytes, KEYSTORE[FAILOVER_REGION]);
            assert.deepEqual(
              mounted.files["param.bin"].bytes,
              KEYSTORE[FAILOVER_REGION].subarray(2),
            );
            assert.equal(mounted.files.user.text, `user-${FAILOVER_REGION}`);
          },
        );
      }

      await t.step(
        `${mode}: a hanging primary: the failover region's value before the deadline`,
        async () => {
          proxy.clearFaults();
          proxy.setFault({ region: PRIMARY_REGION }, { kind: "hang" });
          const started = Date.now();
          const mounted = await modes.mount(
            mode,
            parameters(OBJECTS.split("\n- objectName: it-enc/json")[0]),
            {
              timeoutMs: 6_000,
            },
          );
          assert.equal(mounted.ok, true, JSON.stringify(mounted));
          assert.deepEqual(mounted.files["keystore.jks"].bytes, KEYSTORE[FAILOVER_REGION]);
          assert.ok(Date.now() - started < 6_000);
        },
      );

      await t.step(
        `${mode}: a value that does not decode fails, naming object and encoding`,
        async () => {
          proxy.clearFaults();
          const mounted = await modes.mount(
            mode,
            parameters(
              "- {objectName: it-enc/broken, objectType: secretsmanager, objectEncoding: base64}",
            ),
          );
          assert.deepEqual(mounted, {
            ok: false,
            message:
              "the value of object it-enc/broken is not valid base64 (objectEncoding base64): a character outside the standard base64 alphabet",
            files: {},
          });
        },
      );

      await t.step(
        `${mode}: the primary's value wins even when only the failover's decodes`,
        async () => {
          proxy.clearFaults();
          await seeder.createSecret(PRIMARY_REGION, `it-enc/${mode}/mixed`, "not hex~");
          await seeder.createSecret(FAILOVER_REGION, `it-enc/${mode}/mixed`, "00ff7e3c9a1b5d2f");
          const mounted = await modes.mount(
            mode,
            parameters(
              `- {objectName: it-enc/${mode}/mixed, objectType: secretsmanager, objectEncoding: hex}`,
            ),
          );
          assert.equal(mounted.ok, false);
          if (!mounted.ok) assert.match(mounted.message, /is not valid hex \(objectEncoding hex\)/);
        },
      );

      await t.step(
        `${mode}: a modeled client error in the primary is fatal, as before`,
        async () => {
          proxy.clearFaults();
          proxy.setFault({ region: PRIMARY_REGION, api: "BatchGetSecretValue" }, {
            kind: "status",
            status: 400,
            code: "ResourceNotFoundException",
            message: "Secrets Manager can't find the specified secret.",
          });
          proxy.setFault({ region: PRIMARY_REGION, api: "GetSecretValue" }, {
            kind: "status",
            status: 400,
            code: "ResourceNotFoundException",
            message: "Secrets Manager can't find the specified secret.",
          });
          const mounted = await modes.mount(mode, parameters());
          assert.equal(mounted.ok, false);
          if (!mounted.ok) {
            assert.match(mounted.message, /^us-east-1: Failed fetching secret it-enc\/keystore: /);
          }
          proxy.clearFaults();
        },
      );
    }

    await t.step("an unknown encoding fails before any AWS call", async () => {
      proxy.resetCalls();
      const mounted = await modes.mount(
        "driver writes",
        parameters(
          "- {objectName: it-enc/keystore, objectType: secretsmanager, objectEncoding: utf8}",
        ),
      );
      assert.deepEqual(mounted, {
        ok: false,
        message:
          'Invalid objectEncoding "utf8" of object it-enc/keystore: must be utf-8, base64 or hex',
        files: {},
      });
      assert.deepEqual(proxy.countBy((call) => call.service === "sts" ? undefined : call.api), {});
    });
  },
});
