import assert from "node:assert/strict";
import { isArn, parseArn } from "./arn.ts";

Deno.test("a name is an ARN when it starts with arn:", () => {
  assert.equal(isArn("arn:aws:secretsmanager:us-east-1:1:secret:x"), true);
  assert.equal(isArn("arn:"), true);
  assert.equal(isArn("ARN:aws:x"), false);
  assert.equal(isArn("MySecret"), false);
});

Deno.test("an ARN splits into partition, service, region, account and resource", () => {
  assert.deepEqual(parseArn("arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"), {
    partition: "aws",
    service: "secretsmanager",
    region: "us-east-1",
    accountId: "123456789012",
    resource: "secret:db-AbCdEf",
  });
});

Deno.test("the resource keeps any further colons and may be empty", () => {
  assert.equal(parseArn("arn:aws:ssm:us-east-1:1:parameter:a:b:c")?.resource, "parameter:a:b:c");
  assert.equal(parseArn("arn:aws:ssm:us-east-1:1:")?.resource, "");
});

Deno.test("empty sections are allowed", () => {
  assert.deepEqual(parseArn("arn:::::"), {
    partition: "",
    service: "",
    region: "",
    accountId: "",
    resource: "",
  });
});

Deno.test("fewer than six sections or no arn: prefix is not an ARN", () => {
  assert.equal(parseArn("arn:aws:secretsmanager:us-east-1:123456789012"), undefined);
  assert.equal(parseArn("arn:aws"), undefined);
  assert.equal(parseArn("aws:secretsmanager:us-east-1:1:secret:x:y"), undefined);
});
