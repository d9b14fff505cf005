/**
 * Selectors end to end: the provider as its own process, over its real
 * socket, against moto in two regions, in both write modes. An SSM `path`
 * (GetParametersByPath, decrypted, several pages) and Secrets Manager
 * `namePrefix` + `tags` (BatchGetSecretValue with filters, several pages)
 * mount every match as if listed by name; the failover suite's faults give
 * the failover region's set; an empty selection, a collision and a selection
 * over its limit fail clearly; on re-mount, a match that is gone leaves the
 * pod's volume (provider writes) or the answer (driver writes).
 */

import assert from "node:assert/strict";
import { DeleteSecretCommand, TagResourceCommand } from "@aws-sdk/client-secrets-manager";
import { DeleteParameterCommand } from "@aws-sdk/client-ssm";
import { FAILOVER_REGION, PRIMARY_REGION } from "../../devstack/mod.ts";
import { awsClients, FAILOVER_FAULTS, startTwoModes, texts, WRITE_MODES } from "./_two_modes.ts";

const REGIONS = [PRIMARY_REGION, FAILOVER_REGION];
/** Parameters under the path: more than one GetParametersByPath page (10). */
const PARAMETERS = Array.from(
  { length: 13 },
  (_, i) => `/it-sel/app/p${String(i).padStart(2, "0")}`,
);
/** Secrets under the prefix: more than one BatchGetSecretValue page (20); even ones tagged for us. */
const SECRETS = Array.from({ length: 42 }, (_, i) => `it-sel/prod/s${String(i).padStart(2, "0")}`);
const OURS = SECRETS.filter((_, i) => i % 2 === 0);

/** A value that names its region and object (distinct, so the leak proof can find it). */
const value = (region: string, name: string) => `${region}~${name}~V4l`;

Deno.test({
  name: "selectors: SSM path and Secrets Manager namePrefix and tags, in both write modes",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await using modes = await startTwoModes({ env: { AWS_MAX_ATTEMPTS: "2" } });
    const { stack } = modes;
    const { seeder, proxy } = stack;
    for (const region of REGIONS) {
      using clients = awsClients(stack, region);
      for (const name of PARAMETERS) {
        await seeder.putParameter(region, name, value(region, name), { type: "SecureString" });
      }
      await seeder.putParameter(region, "/it-sel/app/deep/inner", value(region, "inner"));
      await seeder.putParameter(region, "/it-sel/elsewhere", value(region, "elsewhere"));
      for (const [i, name] of SECRETS.entries()) {
        const { arn } = await seeder.createSecret(region, name, value(region, name));
        await clients.secretsManager.send(
          new TagResourceCommand({
            SecretId: arn,
            Tags: [{ Key: "team", Value: i % 2 === 0 ? "payments" : "search" }],
          }),
        );
      }
      await seeder.createSecret(region, "it-sel/listed", value(region, "listed"));
    }
    const objects = [
      "- {objectName: it-sel/listed, objectType: secretsmanager, objectAlias: listed}",
      "- {path: /it-sel/app, filePermission: '0440'}",
      "- {namePrefix: it-sel/prod/, tags: {team: payments}}",
    ].join("\n");
    const parameters = (list = objects) => ({
      region: PRIMARY_REGION,
      failoverRegion: FAILOVER_REGION,
      objects: list,
    });
    /** The files a mount of `objects` holds, served by `region`. */
    const expected = (region: string) => ({
      listed: value(region, "listed"),
      ...Object.fromEntries(
        PARAMETERS.map((name) => [name.replaceAll("/", "_"), value(region, name)]),
      ),
      ...Object.fromEntries(OURS.map((name) => [name.replaceAll("/", "_"), value(region, name)])),
    });

    for (const mode of WRITE_MODES) {
      await t.step(`${mode}: every match on every page, as if listed by name`, async () => {
        proxy.clearFaults();
        proxy.resetCalls();
        const mounted = await modes.mount(mode, parameters());
        assert.equal(mounted.ok, true, JSON.stringify(mounted).slice(0, 500));
        assert.deepEqual(texts(mounted.files), expected(PRIMARY_REGION));
        assert.equal(mounted.files["_it-sel_app_p00"].mode, 0o440);
        assert.equal(mounted.files.listed.mode, 0o644);
        if (mounted.ok) {
          assert.equal(mounted.versions["_it-sel_app_p12"], "1");
          assert.match(mounted.versions["it-sel_prod_s00"], /^[0-9a-f-]{36}$/);
          assert.equal(Object.keys(mounted.versions).length, 1 + 13 + 21);
        }
        // Both regions run every selection in full (2 + 2 pages each).
        const calls = proxy.countBy((call) =>
          call.api === "GetParametersByPath" || call.api === "BatchGetSecretValue"
            ? `${call.region}.${call.api}`
            : undefined
        );
        assert.deepEqual(calls, {
          "us-east-1.GetParametersByPath": 2,
          "us-west-2.GetParametersByPath": 2,
          "us-east-1.BatchGetSecretValue": 3, // the listed secret's batch, then 2 pages of filters
          "us-west-2.BatchGetSecretValue": 3,
        });
      });

      for (const [label, fault] of FAILOVER_FAULTS) {
        await t.step(`${mode}: primary ${label}: the failover region's whole set`, async () => {
          proxy.clearFaults();
          proxy.setFault({ region: PRIMARY_REGION }, fault);
          const mounted = await modes.mount(mode, parameters());
          assert.equal(mounted.ok, true, JSON.stringify(mounted).slice(0, 500));
          assert.deepEqual(texts(mounted.files), expected(FAILOVER_REGION));
        });
      }

      await t.step(
        `${mode}: a primary failing on its second page: the failover region's whole set`,
        async () => {
          proxy.clearFaults();
          proxy.resetCalls();
          const match = { region: PRIMARY_REGION, api: "GetParametersByPath" };
          // The later fault wins while it lasts: the first page passes, every later one fails.
          proxy.setFault(match, { kind: "status", status: 500, message: "Internal failure" });
          proxy.setFault(match, { kind: "latency", ms: 0, times: 1 });
          const mounted = await modes.mount(mode, parameters("- {path: /it-sel/app}"));
          assert.equal(mounted.ok, true, JSON.stringify(mounted).slice(0, 300));
          assert.equal(Object.keys(mounted.files).length, 13);
          for (const file of Object.values(mounted.files)) {
            assert.match(file.text, new RegExp(`^${FAILOVER_REGION}~`));
          }
          assert.deepEqual(
            proxy.countBy((call) =>
              call.region === PRIMARY_REGION ? `${call.api}.${call.fault ?? "none"}` : undefined
            ),
            { "GetParametersByPath.latency": 1, "GetParametersByPath.status": 2 },
          );
        },
      );

      await t.step(`${mode}: a hanging primary: the failover set before the deadline`, async () => {
        proxy.clearFaults();
        proxy.setFault({ region: PRIMARY_REGION }, { kind: "hang" });
        const started = Date.now();
        const mounted = await modes.mount(mode, parameters("- {path: /it-sel/app}"), {
          timeoutMs: 6_000,
        });
        assert.equal(mounted.ok, true, JSON.stringify(mounted).slice(0, 300));
        assert.equal(
          mounted.files["_it-sel_app_p03"].text,
          value(FAILOVER_REGION, "/it-sel/app/p03"),
        );
        assert.ok(Date.now() - started < 6_000);
      });

      await t.step(`${mode}: a modeled client error in either region is fatal`, async () => {
        proxy.clearFaults();
        proxy.setFault({ region: FAILOVER_REGION, api: "GetParametersByPath" }, {
          kind: "status",
          status: 400,
          code: "InvalidKeyId",
          message: "The key is not valid.",
        });
        const mounted = await modes.mount(mode, parameters("- {path: /it-sel/app}"));
        assert.equal(mounted.ok, false);
        if (!mounted.ok) {
          assert.match(
            mounted.message,
            /^us-west-2: Failed fetching parameters selected by path \/it-sel\/app: operation error SSM: GetParametersByPath, .*InvalidKeyId: The key is not valid\.$/,
          );
        }
      });

      await t.step(`${mode}: both regions failing: what each answered`, async () => {
        proxy.clearFaults();
        proxy.setFault({ region: PRIMARY_REGION }, {
          kind: "status",
          status: 500,
          message: "Internal failure",
        });
        proxy.setFault({ region: FAILOVER_REGION }, { kind: "throttle" });
        const mounted = await modes.mount(mode, parameters("- {namePrefix: it-sel/prod/}"));
        assert.deepEqual(mounted, {
          ok: false,
          message:
            "Failed to fetch secrets selected by namePrefix it-sel/prod/ from all regions. (us-east-1: InternalServiceError: Internal failure; us-west-2: ThrottlingException: Rate exceeded)",
          files: {},
        });
      });

      await t.step(
        `${mode}: a selection that matches nothing fails; so does a collision`,
        async () => {
          proxy.clearFaults();
          const empty = await modes.mount(mode, parameters("- {path: /it-sel/none}"));
          assert.deepEqual(empty, {
            ok: false,
            message:
              "the selector path /it-sel/none matched no parameters in us-east-1 (a selector must match at least one)",
            files: {},
          });
          const collision = await modes.mount(
            mode,
            parameters(
              "- {objectName: it-sel/prod/s00, objectType: secretsmanager}\n- {namePrefix: it-sel/prod/s0}",
            ),
          );
          assert.deepEqual(collision, {
            ok: false,
            message:
              'object it-sel/prod/s00 and secret it-sel/prod/s00 selected by namePrefix it-sel/prod/s0 would both be written to the file "it-sel_prod_s00"',
            files: {},
          });
        },
      );
    }

    await t.step(
      "fields that name one object are refused on a selector, before any call",
      async () => {
        proxy.clearFaults();
        proxy.resetCalls();
        const mounted = await modes.mount(
          "driver writes",
          parameters("- {path: /it-sel/app, objectVersionLabel: stable}"),
        );
        assert.deepEqual(mounted, {
          ok: false,
          message:
            "objectVersionLabel is not allowed on a selector (matches are mounted in their current version): path /it-sel/app",
          files: {},
        });
        assert.deepEqual(
          proxy.countBy((call) => call.service === "sts" ? undefined : call.api),
          {},
        );
      },
    );

    await t.step(
      "provider writes: on re-mount the files of matches that are gone are removed",
      async () => {
        proxy.clearFaults();
        const provider = modes.providers["provider writes"];
        const targetPath = await provider.newTargetPath();
        const list =
          "- {path: /it-sel/app}\n- {tags: {team: payments}, namePrefix: it-sel/prod/s1}";
        const first = await modes.mount("provider writes", parameters(list), { targetPath });
        assert.ok(first.ok);
        assert.ok("_it-sel_app_p12" in first.files && "it-sel_prod_s10" in first.files);
        for (const region of REGIONS) {
          using clients = awsClients(stack, region);
          await clients.ssm.send(new DeleteParameterCommand({ Name: "/it-sel/app/p12" }));
          await clients.secretsManager.send(
            new DeleteSecretCommand({
              SecretId: "it-sel/prod/s10",
              ForceDeleteWithoutRecovery: true,
            }),
          );
        }
        const second = await modes.mount("provider writes", parameters(list), { targetPath });
        assert.ok(second.ok, JSON.stringify(second).slice(0, 300));
        assert.equal("_it-sel_app_p12" in second.files, false);
        assert.equal("it-sel_prod_s10" in second.files, false);
        assert.equal(Object.keys(second.files).length, 12 + 4, Object.keys(second.files).join(","));
      },
    );

    await t.step(
      "driver writes: a match that is gone is absent from the answer and its versions",
      async () => {
        const mounted = await modes.mount(
          "driver writes",
          parameters("- {path: /it-sel/app}"),
          { currentObjectVersion: [{ id: "_it-sel_app_p12", version: "1" }] },
        );
        assert.ok(mounted.ok);
        assert.equal("_it-sel_app_p12" in mounted.files, false);
        if (mounted.ok) assert.equal("_it-sel_app_p12" in mounted.versions, false);
        assert.equal(Object.keys(mounted.files).length, 12);
      },
    );
  },
});

Deno.test({
  name: "selectors over --max-selector-matches or --max-selectors fail naming the flag",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using modes = await startTwoModes({
      args: ["--max-selector-matches=5", "--max-selectors=1"],
    });
    const { seeder } = modes.stack;
    for (let i = 0; i < 6; i++) {
      await seeder.putParameter(PRIMARY_REGION, `/it-lim/p${i}`, `L1m~${i}`);
    }
    for (const mode of WRITE_MODES) {
      const over = await modes.mount(mode, {
        region: PRIMARY_REGION,
        objects: "- {path: /it-lim}",
      });
      assert.deepEqual(over, {
        ok: false,
        message:
          "the selector path /it-lim matches more than 5 objects in us-east-1; the limit is 5 objects (provider flag --max-selector-matches)",
        files: {},
      });
      const two = await modes.mount(mode, {
        region: PRIMARY_REGION,
        objects: "- {path: /it-lim}\n- {path: /other}",
      });
      assert.equal(two.ok, false);
      if (!two.ok) assert.match(two.message, /\(provider flag --max-selectors\)$/);
    }
  },
});
