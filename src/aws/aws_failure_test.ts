import assert from "node:assert/strict";
import {
  AwsFailureError,
  describeAwsError,
  localFailure,
  SECRETS_MANAGER_FATAL,
  SSM_FATAL,
  STS_FATAL,
} from "./aws_failure.ts";

/** An error shaped like the AWS SDK for JavaScript's service exceptions. */
function sdkError(
  name: string,
  message: string,
  status?: number,
  fault: "client" | "server" = "client",
): Error {
  const error = new Error(message) as Error & Record<string, unknown>;
  error.name = name;
  error.$fault = fault;
  if (status !== undefined) error.$metadata = { httpStatusCode: status, requestId: "req-42" };
  return error;
}

const GET = "Secrets Manager: GetSecretValue";

Deno.test("a service error is described like the Go SDK's operation error", () => {
  assert.deepEqual(
    describeAwsError(
      sdkError(
        "ResourceNotFoundException",
        "Secrets Manager can't find the specified secret.",
        400,
      ),
      GET,
      SECRETS_MANAGER_FATAL,
    ),
    {
      code: "ResourceNotFoundException",
      message: "Secrets Manager can't find the specified secret.",
      httpStatus: 400,
      fatal: true,
      text: "operation error Secrets Manager: GetSecretValue, https response error StatusCode: " +
        "400, RequestID: req-42, ResourceNotFoundException: Secrets Manager can't find the " +
        "specified secret.",
    },
  );
});

Deno.test("modeled Secrets Manager client faults are fatal", () => {
  for (
    const code of [
      "ResourceNotFoundException",
      "InvalidParameterException",
      "InvalidRequestException",
      "DecryptionFailure",
    ]
  ) {
    assert.equal(
      describeAwsError(sdkError(code, "m", 400), GET, SECRETS_MANAGER_FATAL).fatal,
      true,
    );
  }
});

Deno.test("unmodeled errors are not fatal even though the JavaScript SDK calls them client faults", () => {
  for (
    const code of [
      "AccessDeniedException",
      "ThrottlingException",
      "ValidationException",
      "UnrecognizedClientException",
    ]
  ) {
    assert.equal(
      describeAwsError(sdkError(code, "m", 400, "client"), GET, SECRETS_MANAGER_FATAL).fatal,
      false,
      code,
    );
  }
});

Deno.test("modeled server faults are not fatal", () => {
  assert.equal(
    describeAwsError(
      sdkError("InternalServiceError", "m", 500, "server"),
      GET,
      SECRETS_MANAGER_FATAL,
    ).fatal,
    false,
  );
  assert.equal(
    describeAwsError(
      sdkError("InternalServerError", "m", 500, "server"),
      "SSM: GetParameters",
      SSM_FATAL,
    ).fatal,
    false,
  );
});

Deno.test("SSM's InvalidKeyId and STS's modeled errors are fatal", () => {
  assert.equal(
    describeAwsError(sdkError("InvalidKeyId", "m", 400), "SSM: GetParameters", SSM_FATAL).fatal,
    true,
  );
  for (
    const code of [
      "InvalidIdentityToken",
      "ExpiredTokenException",
      "IDPRejectedClaim",
      "RegionDisabledException",
    ]
  ) {
    assert.equal(
      describeAwsError(sdkError(code, "m", 400), "STS: AssumeRoleWithWebIdentity", STS_FATAL).fatal,
      true,
      code,
    );
  }
  assert.equal(
    describeAwsError(
      sdkError("AccessDenied", "m", 403),
      "STS: AssumeRoleWithWebIdentity",
      STS_FATAL,
    ).fatal,
    false,
  );
});

Deno.test("an error without an HTTP answer is a non-fatal send failure", () => {
  const error = new Error("connect ECONNREFUSED 127.0.0.1:4566") as Error & { code: string };
  error.code = "ECONNREFUSED";
  assert.deepEqual(describeAwsError(error, GET, SECRETS_MANAGER_FATAL), {
    code: "ECONNREFUSED",
    message: "connect ECONNREFUSED 127.0.0.1:4566",
    httpStatus: undefined,
    fatal: false,
    text: "operation error Secrets Manager: GetSecretValue, request send failed, " +
      "ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:4566",
  });
});

Deno.test("an error with neither name nor code is called Error", () => {
  assert.equal(describeAwsError(new Error("odd"), GET, SECRETS_MANAGER_FATAL).code, "Error");
  assert.equal(describeAwsError("a string", GET, SECRETS_MANAGER_FATAL).message, "a string");
  assert.equal(describeAwsError(undefined, GET, SECRETS_MANAGER_FATAL).code, "Error");
});

Deno.test("a multi-line message is folded onto one line", () => {
  const failure = describeAwsError(
    sdkError("ThrottlingException", "Rate\n   exceeded\n", 400),
    GET,
    new Set(),
  );
  assert.equal(failure.message, "Rate exceeded");
});

Deno.test("an error that already carries a failure is passed on unchanged", () => {
  const inner = localFailure("InvalidParameters", "400: us-east-1: invalid parameters: a", true);
  assert.equal(describeAwsError(new AwsFailureError(inner), GET, new Set()), inner);
});

Deno.test("localFailure uses its text as message and is non-fatal by default", () => {
  assert.deepEqual(localFailure("JmesPathError", "Invalid JMES Path: x."), {
    code: "JmesPathError",
    message: "Invalid JMES Path: x.",
    httpStatus: undefined,
    fatal: false,
    text: "Invalid JMES Path: x.",
  });
});

Deno.test("AwsFailureError is named after the code and says the failure's text", () => {
  const error = new AwsFailureError(localFailure("MissingParameter", "parameter a is missing"));
  assert.equal(error.name, "MissingParameter");
  assert.equal(error.message, "parameter a is missing");
  assert.ok(error instanceof Error);
});
