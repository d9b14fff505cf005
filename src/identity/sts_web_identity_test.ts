import assert from "node:assert/strict";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import {
  type FaultProxy,
  startFaultProxy,
  startMoto,
  testClientConfig,
} from "../../devstack/mod.ts";
import { type AwsCall, type AwsFailure, AwsFailureError } from "../aws/mod.ts";
import { createStsWebIdentityApi } from "./sts_web_identity.ts";
import { withEnv } from "../aws/_test_env.ts";

const ROLE_ARN = "arn:aws:iam::123456789012:role/app-reader";
const TOKEN = "eyJhbGciOiJSUzI1NiJ9.sts-web-identity-test.c2lnbmF0dXJl";

/** Assumes ROLE_ARN through `proxy` with at most `maxAttempts` attempts. */
function assumeRole(
  proxy: FaultProxy,
  options: { region?: string; maxAttempts?: number; observer?: (call: AwsCall) => void } = {},
) {
  return withEnv({
    AWS_ENDPOINT_URL_STS: proxy.url,
    AWS_MAX_ATTEMPTS: String(options.maxAttempts ?? 1),
  }, () =>
    createStsWebIdentityApi({ observer: options.observer }).assumeRole({
      roleArn: ROLE_ARN,
      token: TOKEN,
      region: options.region ?? "us-east-1",
    }));
}

async function failureOf(promise: Promise<unknown>): Promise<AwsFailure> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof AwsFailureError, `expected AwsFailureError, got ${error}`);
    return error.awsFailure;
  }
  assert.fail("the call did not fail");
}

Deno.test("STS AssumeRoleWithWebIdentity against moto", async (t) => {
  await using moto = await startMoto();
  await using proxy = await startFaultProxy(moto.url);

  await t.step("credentials come back with their expiration", async () => {
    const before = Date.now();
    const credentials = await assumeRole(proxy);
    assert.match(credentials.accessKeyId, /^\w{16,}$/);
    assert.ok(credentials.secretAccessKey.length > 0);
    assert.ok((credentials.sessionToken ?? "").length > 0);
    assert.ok(credentials.expiration instanceof Date);
    assert.ok(credentials.expiration.getTime() > before, String(credentials.expiration));
  });

  await t.step("the call is the unsigned AssumeRoleWithWebIdentity", () => {
    assert.deepEqual(
      proxy.calls().map(({ service, api, region, accessKeyId }) => ({
        service,
        api,
        region,
        accessKeyId,
      })),
      [{ service: "sts", api: "AssumeRoleWithWebIdentity", region: "", accessKeyId: "" }],
    );
  });

  await t.step("the session name is the current time in nanoseconds (19 digits)", async () => {
    const before = BigInt(Date.now()) * 1_000_000n;
    const credentials = await assumeRole(proxy);
    const after = BigInt(Date.now()) * 1_000_000n;
    // moto names the assumed role's session after RoleSessionName.
    const sts = new STSClient({
      ...testClientConfig(moto.url, "us-east-1"),
      credentials: {
        accessKeyId: credentials.accessKeyId,
        secretAccessKey: credentials.secretAccessKey,
        sessionToken: credentials.sessionToken,
      },
    });
    try {
      const { Arn } = await sts.send(new GetCallerIdentityCommand({}));
      const session = /^arn:aws:sts::123456789012:assumed-role\/app-reader\/(\d{19})$/.exec(
        Arn ?? "",
      )?.[1];
      assert.ok(session !== undefined, `session name of ${Arn} is not 19 digits`);
      assert.ok(BigInt(session) >= before && BigInt(session) <= after, session);
    } finally {
      sts.destroy();
    }
  });

  await t.step("a modeled client fault (InvalidIdentityToken) is fatal", async () => {
    proxy.setFault({ service: "sts" }, {
      kind: "status",
      status: 400,
      code: "InvalidIdentityToken",
      message: "token is expired",
      times: 1,
    });
    const failure = await failureOf(assumeRole(proxy));
    assert.equal(failure.fatal, true);
    assert.equal(failure.code, "InvalidIdentityTokenException");
    assert.equal(failure.httpStatus, 400);
    assert.match(
      failure.text,
      /^operation error STS: AssumeRoleWithWebIdentity, https response error StatusCode: 400, RequestID: [^,]+, InvalidIdentityTokenException: token is expired$/,
    );
  });

  await t.step("a server error is not fatal", async () => {
    proxy.setFault({ service: "sts" }, { kind: "status", status: 500, times: 1 });
    const failure = await failureOf(assumeRole(proxy));
    assert.deepEqual([failure.fatal, failure.httpStatus], [false, 500]);
  });

  await t.step("an unmodeled client error (throttling) is not fatal", async () => {
    proxy.setFault({ service: "sts" }, { kind: "throttle", times: 1 });
    const failure = await failureOf(assumeRole(proxy));
    assert.deepEqual([failure.code, failure.fatal], ["Throttling", false]);
  });

  await t.step(
    "every attempt, retries included, reaches the observer as sts in the region",
    async () => {
      proxy.setFault({ service: "sts" }, { kind: "status", status: 503, times: 1 });
      const calls: AwsCall[] = [];
      await assumeRole(proxy, {
        region: "eu-west-1",
        maxAttempts: 2,
        observer: (call) => calls.push(call),
      });
      assert.deepEqual(calls, [
        {
          service: "sts",
          api: "AssumeRoleWithWebIdentity",
          region: "eu-west-1",
          outcome: "server_error",
        },
        { service: "sts", api: "AssumeRoleWithWebIdentity", region: "eu-west-1", outcome: "ok" },
      ]);
    },
  );
});
