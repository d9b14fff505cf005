/**
 * The README's example classes of issue 12 (examples/ExampleSecretProviderClass-Decoding.yaml,
 * -Selectors.yaml, -RoleChaining.yaml) work as written: each is mounted,
 * parameters unchanged, through the real socket against moto, in both write
 * modes, with the data the comments describe.
 */

import assert from "node:assert/strict";
import { TagResourceCommand } from "@aws-sdk/client-secrets-manager";
import { parse } from "yaml";
import { createSeeder, FAILOVER_REGION, PRIMARY_REGION } from "../../devstack/mod.ts";
import { awsClients, startTwoModes, texts, WRITE_MODES } from "./_two_modes.ts";

const EXAMPLES = new URL("../../examples/", import.meta.url);

/** The parameters of an example class, as written. */
async function exampleParameters(name: string): Promise<Record<string, string>> {
  const spc = parse(await Deno.readTextFile(new URL(name, EXAMPLES)));
  assert.equal(spc.kind, "SecretProviderClass");
  assert.equal(spc.spec.provider, "aws");
  return spc.spec.parameters;
}

const KEYSTORE = new Uint8Array([0xfe, 0xed, 0xfe, 0xed, 0x00, 0x00, 0x00, 0x02, 0x9a, 0x41, 0x7f]);
const TLS_KEY = new Uint8Array([0x30, 0x82, 0x04, 0xa4, 0x02, 0x01, 0x00, 0xe7]);

Deno.test({
  name: "the example classes of objectEncoding, selectors and role chaining mount as written",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await using modes = await startTwoModes();
    const { stack } = modes;
    const { seeder } = stack;
    await seeder.createSecret(
      PRIMARY_REGION,
      "prod/keystore-b64",
      btoa(String.fromCharCode(...KEYSTORE)),
    );
    await seeder.createSecret(
      PRIMARY_REGION,
      "prod/tls",
      JSON.stringify({ keyHex: [...TLS_KEY].map((b) => b.toString(16).padStart(2, "0")).join("") }),
    );
    for (const region of [PRIMARY_REGION, FAILOVER_REGION]) {
      using clients = awsClients(stack, region);
      await seeder.putParameter(region, "/prod/app/feature-flag", `fl4g~${region}`);
      await seeder.putParameter(region, "/prod/app/db/password", `pw~${region}`, {
        type: "SecureString",
      });
      for (
        const [name, team] of [["prod/app/payments-api", "payments"], [
          "prod/app/search-api",
          "search",
        ]]
      ) {
        const { arn } = await seeder.createSecret(region, name, `${team}~${region}`);
        await clients.secretsManager.send(
          new TagResourceCommand({ SecretId: arn, Tags: [{ Key: "team", Value: team }] }),
        );
      }
    }
    const keys = await seeder.assumeRoleWithWebIdentity(
      PRIMARY_REGION,
      "arn:aws:iam::444455556666:role/seeder",
      "example-token",
    );
    using shared = createSeeder(stack.moto.url, { credentials: keys });
    for (const region of [PRIMARY_REGION, FAILOVER_REGION]) {
      await shared.createSecret(region, "shared/db", `shared~${region}`);
    }

    for (const mode of WRITE_MODES) {
      await t.step(`${mode}: ExampleSecretProviderClass-Decoding.yaml`, async () => {
        const mounted = await modes.mount(
          mode,
          await exampleParameters("ExampleSecretProviderClass-Decoding.yaml"),
        );
        assert.equal(mounted.ok, true, JSON.stringify(mounted));
        assert.deepEqual(mounted.files["keystore.jks"].bytes, KEYSTORE);
        assert.equal(mounted.files["keystore.jks"].mode, 0o400);
        assert.deepEqual(mounted.files["tls.key"].bytes, TLS_KEY);
      });

      await t.step(`${mode}: ExampleSecretProviderClass-Selectors.yaml`, async () => {
        const mounted = await modes.mount(
          mode,
          await exampleParameters("ExampleSecretProviderClass-Selectors.yaml"),
        );
        assert.equal(mounted.ok, true, JSON.stringify(mounted));
        assert.deepEqual(texts(mounted.files), {
          "_prod_app_feature-flag": `fl4g~${PRIMARY_REGION}`,
          "_prod_app_db_password": `pw~${PRIMARY_REGION}`,
          "prod_app_payments-api": `payments~${PRIMARY_REGION}`,
        });
        assert.equal(mounted.files["_prod_app_db_password"].mode, 0o440);
      });

      await t.step(`${mode}: ExampleSecretProviderClass-RoleChaining.yaml`, async () => {
        const mounted = await modes.mount(
          mode,
          await exampleParameters("ExampleSecretProviderClass-RoleChaining.yaml"),
        );
        assert.equal(mounted.ok, true, JSON.stringify(mounted));
        assert.deepEqual(texts(mounted.files), { shared_db: `shared~${PRIMARY_REGION}` });
      });
    }
  },
});
