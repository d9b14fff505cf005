import assert from "node:assert/strict";
import {
  e2eSettings,
  LOCALSTACK_FREE_IMAGE,
  LOCALSTACK_TOKEN_IMAGE,
  MOTO_IMAGE,
} from "./settings.ts";

Deno.test("moto is the default backend and needs no token", () => {
  const settings = e2eSettings({});
  assert.equal(settings.backend.name, "moto");
  assert.equal(settings.backend.image, MOTO_IMAGE);
  assert.equal(MOTO_IMAGE, "motoserver/moto:5.2.5");
  assert.deepEqual(settings.backend.environment, {});
  assert.equal(settings.clusterName, "ascp-deno-e2e");
  assert.equal(settings.primaryRegion, "us-west-2");
  assert.equal(settings.failoverRegion, "us-east-2");
  assert.equal(settings.keep, false);
});

Deno.test("LOCALSTACK_AUTH_TOKEN selects current LocalStack and passes the token", () => {
  const settings = e2eSettings({ LOCALSTACK_AUTH_TOKEN: "ls-token" });
  assert.equal(settings.backend.name, "localstack");
  assert.equal(settings.backend.image, LOCALSTACK_TOKEN_IMAGE);
  assert.equal(settings.backend.environment.LOCALSTACK_AUTH_TOKEN, "ls-token");
  assert.equal(settings.backend.port, 4566);
  assert.equal(settings.backend.accountId, "000000000000");
});

Deno.test("LocalStack without a token uses the last release that starts without one", () => {
  const settings = e2eSettings({ E2E_AWS_BACKEND: "localstack" });
  assert.equal(settings.backend.image, LOCALSTACK_FREE_IMAGE);
  assert.equal(settings.backend.environment.LOCALSTACK_AUTH_TOKEN, undefined);
});

Deno.test("an explicit backend wins over the token, and images can be overridden", () => {
  const settings = e2eSettings({
    E2E_AWS_BACKEND: "moto",
    LOCALSTACK_AUTH_TOKEN: "ls-token",
    E2E_EMULATOR_IMAGE: "motoserver/moto:5.1.0",
    KIND_NODE_IMAGE: "kindest/node:v1.33.7",
    E2E_KEEP: "1",
  });
  assert.equal(settings.backend.name, "moto");
  assert.equal(settings.backend.image, "motoserver/moto:5.1.0");
  assert.equal(settings.kindNodeImage, "kindest/node:v1.33.7");
  assert.equal(settings.keep, true);
});

Deno.test("an unknown backend is an error that names the variable", () => {
  assert.throws(() => e2eSettings({ E2E_AWS_BACKEND: "real-aws" }), /E2E_AWS_BACKEND="real-aws"/);
});
