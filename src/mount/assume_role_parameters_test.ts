import assert from "node:assert/strict";
import { MountError } from "./mount_error.ts";
import { type ClassParameters, parseAssumeRole } from "./mount_request.ts";

const POD = { namespace: "shop", name: "api-7d9f8", uid: "u", serviceAccount: "sa" };
const ROLE = "arn:aws:iam::444455556666:role/shared-secrets";

type AssumeRoleParameters = Pick<
  ClassParameters,
  "assumeRoleArn" | "assumeRoleExternalId" | "assumeRoleDurationSeconds" | "assumeRoleSessionName"
>;

function parameters(fields: Partial<AssumeRoleParameters>): AssumeRoleParameters {
  return {
    assumeRoleArn: ROLE,
    assumeRoleExternalId: "",
    assumeRoleDurationSeconds: "",
    assumeRoleSessionName: "",
    ...fields,
  };
}

function refusal(fields: Partial<AssumeRoleParameters>): string {
  try {
    parseAssumeRole(parameters(fields), POD);
  } catch (error) {
    assert.ok(error instanceof MountError);
    assert.equal(error.code, "InvalidRequest");
    return error.message;
  }
  assert.fail(`accepted ${JSON.stringify(fields)}`);
}

Deno.test("without assumeRoleArn the other assumeRole parameters are ignored, as unknown ones were", () => {
  assert.equal(
    parseAssumeRole(
      parameters({ assumeRoleArn: "", assumeRoleDurationSeconds: "x", assumeRoleSessionName: "!" }),
      POD,
    ),
    undefined,
  );
});

Deno.test("defaults: 900 seconds, no external id, the session named after the pod", () => {
  assert.deepEqual(parseAssumeRole(parameters({}), POD), {
    roleArn: ROLE,
    externalId: "",
    durationSeconds: 900,
    sessionName: "shop.api-7d9f8",
  });
});

Deno.test("every parameter as written when valid, the range's ends included", () => {
  assert.deepEqual(
    parseAssumeRole(
      parameters({
        assumeRoleExternalId: "tenant:42/a=b",
        assumeRoleDurationSeconds: "43200",
        assumeRoleSessionName: "audit@shop",
      }),
      POD,
    ),
    {
      roleArn: ROLE,
      externalId: "tenant:42/a=b",
      durationSeconds: 43200,
      sessionName: "audit@shop",
    },
  );
  assert.equal(
    parseAssumeRole(parameters({ assumeRoleDurationSeconds: "900" }), POD)
      ?.durationSeconds,
    900,
  );
});

Deno.test("values STS would refuse are refused before any call, naming the parameter", () => {
  assert.equal(
    refusal({ assumeRoleArn: "arn:aws:iam::123:role/x" }),
    'invalid assumeRoleArn "arn:aws:iam::123:role/x": not an IAM role ARN',
  );
  for (const duration of ["899", "43201", "1e3", "0x384", " 900", "900.0", "-900", "999999"]) {
    assert.match(
      refusal({ assumeRoleDurationSeconds: duration }),
      /^invalid assumeRoleDurationSeconds ".*": a whole number of seconds from 900 to 43200$/,
      duration,
    );
  }
  assert.match(
    refusal({ assumeRoleExternalId: "x" }),
    /^invalid assumeRoleExternalId "x": 2 to 1224/,
  );
  assert.match(refusal({ assumeRoleExternalId: "a b" }), /^invalid assumeRoleExternalId/);
  assert.match(
    refusal({ assumeRoleSessionName: "s".repeat(65) }),
    /^invalid assumeRoleSessionName "s{64}"…: 2 to 64/,
  );
  assert.match(refusal({ assumeRoleSessionName: "a/b" }), /^invalid assumeRoleSessionName/);
});
