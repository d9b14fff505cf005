/**
 * The AWS SDK made ready before the first mount: its three clients' modules
 * loaded, and one call of each operation a mount makes (BatchGetSecretValue,
 * GetSecretValue, GetParameters, AssumeRoleWithWebIdentity) run through a
 * throw-away client whose request handler answers from memory. Without it the
 * first mount of a fresh provider pays for loading the SDK and for compiling
 * and setting up everything on the path of a call (middleware, endpoint
 * rules, signing, the JSON and XML (de)serializers): measured 50 to 100 ms.
 *
 * Nothing leaves the process and nothing real is used: the credentials,
 * names and values are made up, and the clients are dropped afterwards.
 *
 * @module
 */

import { Readable } from "node:stream";

/** One warm-up call that did not go through (an SDK change the canned answers no longer fit). */
export interface WarmUpFailure {
  /** `service.Operation`. */
  call: string;
  /** What went wrong. */
  message: string;
}

/** Region of the warm-up calls (their endpoint rules are evaluated for it). */
const REGION = "us-east-1";
/** Made-up credentials: the calls are signed, never sent. */
const CREDENTIALS = { accessKeyId: "AKIDWARMUPEXAMPLE", secretAccessKey: "warm-up" };
const SECRET = {
  ARN: "arn:aws:secretsmanager:us-east-1:123456789012:secret:warm-up-AbCdEf",
  Name: "warm-up",
  VersionId: "00000000-0000-0000-0000-000000000000",
  SecretString: "warm-up",
  VersionStages: ["AWSCURRENT"],
  CreatedDate: 1_700_000_000,
};
const JSON_TYPE = "application/x-amz-json-1.1";
const STS_ANSWER = "<AssumeRoleWithWebIdentityResponse " +
  'xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleWithWebIdentityResult>' +
  "<Credentials><AccessKeyId>ASIAWARMUPEXAMPLE</AccessKeyId><SecretAccessKey>warm-up" +
  "</SecretAccessKey><SessionToken>warm-up</SessionToken><Expiration>2030-01-01T00:00:00Z" +
  "</Expiration></Credentials><AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/" +
  "warm-up/warm-up</Arn><AssumedRoleId>AROAWARMUP:warm-up</AssumedRoleId></AssumedRoleUser>" +
  "</AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>";

/**
 * A smithy request handler that answers every request with `body` and never
 * opens a connection; `sent` counts the requests it was given.
 */
function cannedHandler(body: string, contentType: string) {
  const handler = {
    sent: 0,
    handle() {
      handler.sent++;
      return Promise.resolve({
        response: {
          statusCode: 200,
          reason: "OK",
          headers: { "content-type": contentType, "x-amzn-requestid": "warm-up" },
          body: Readable.from([new TextEncoder().encode(body)]),
        },
      });
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
    destroy() {},
  };
  return handler;
}

/** Runs one warm-up call; its failure is returned, not thrown. */
async function attempt(call: string, run: () => Promise<unknown>): Promise<WarmUpFailure[]> {
  try {
    await run();
    return [];
  } catch (error) {
    return [{ call, message: error instanceof Error ? error.message : String(error) }];
  }
}

/** Lets a call that arrived meanwhile (a `Version`, a mount) run between the steps. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * Loads the SDK and runs each operation once against canned answers; resolves
 * with the calls that failed (none when the SDK and the answers agree).
 *
 * @example
 * ```ts
 * const failures = await warmUpAwsSdk();
 * if (failures.length > 0) logger.warn("AWS SDK warm-up incomplete", { failures });
 * ```
 */
export async function warmUpAwsSdk(): Promise<WarmUpFailure[]> {
  const failures: WarmUpFailure[] = [];
  const sts = await import("@aws-sdk/client-sts");
  await yieldToEventLoop();
  failures.push(
    ...await attempt(
      "sts.AssumeRoleWithWebIdentity",
      () =>
        new sts.STSClient({ region: REGION, requestHandler: cannedHandler(STS_ANSWER, "text/xml") })
          .send(
            new sts.AssumeRoleWithWebIdentityCommand({
              RoleArn: "arn:aws:iam::123456789012:role/warm-up",
              WebIdentityToken: "warm-up",
              RoleSessionName: "warm-up",
            }),
          ),
    ),
  );
  await yieldToEventLoop();
  const secretsManager = await import("@aws-sdk/client-secrets-manager");
  await yieldToEventLoop();
  const smClient = (body: unknown) =>
    new secretsManager.SecretsManagerClient({
      region: REGION,
      credentials: CREDENTIALS,
      requestHandler: cannedHandler(JSON.stringify(body), JSON_TYPE),
    });
  failures.push(
    ...await attempt(
      "secretsmanager.BatchGetSecretValue",
      () =>
        smClient({ SecretValues: [SECRET], Errors: [] }).send(
          new secretsManager.BatchGetSecretValueCommand({ SecretIdList: [SECRET.Name] }),
        ),
    ),
    ...await attempt(
      "secretsmanager.GetSecretValue",
      () =>
        smClient(SECRET).send(new secretsManager.GetSecretValueCommand({ SecretId: SECRET.Name })),
    ),
  );
  await yieldToEventLoop();
  const ssm = await import("@aws-sdk/client-ssm");
  await yieldToEventLoop();
  failures.push(
    ...await attempt("ssm.GetParameters", () =>
      new ssm.SSMClient({
        region: REGION,
        credentials: CREDENTIALS,
        requestHandler: cannedHandler(
          JSON.stringify({
            Parameters: [{ Name: "/warm-up", Type: "SecureString", Value: "warm-up", Version: 1 }],
            InvalidParameters: [],
          }),
          JSON_TYPE,
        ),
      }).send(new ssm.GetParametersCommand({ Names: ["/warm-up"], WithDecryption: true }))),
  );
  return failures;
}
