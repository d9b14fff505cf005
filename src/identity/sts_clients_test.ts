import assert from "node:assert/strict";
import { AwsFailureError } from "../aws/mod.ts";
import { regionalStsClients, stsCredentials } from "./sts_clients.ts";

Deno.test("one STS client per region, kept for the next call", async () => {
  const stsIn = regionalStsClients({ appId: "test" });
  const east = await stsIn("us-east-1");
  assert.equal((await stsIn("us-east-1")).client, east.client);
  const west = await stsIn("us-west-2");
  assert.notEqual(west.client, east.client);
  assert.equal(await west.client.config.region(), "us-west-2");
  east.client.destroy();
  west.client.destroy();
});

Deno.test("an STS answer's credentials, or InvalidResponse without them", () => {
  const expiration = new Date("2030-01-01T00:00:00Z");
  assert.deepEqual(
    stsCredentials({
      AccessKeyId: "AK",
      SecretAccessKey: "SK",
      SessionToken: "ST",
      Expiration: expiration,
    }),
    { accessKeyId: "AK", secretAccessKey: "SK", sessionToken: "ST", expiration },
  );
  for (const answer of [undefined, {}, { AccessKeyId: "AK" }]) {
    assert.throws(
      () => stsCredentials(answer),
      (error: Error) =>
        error instanceof AwsFailureError && error.awsFailure.code === "InvalidResponse",
    );
  }
});
