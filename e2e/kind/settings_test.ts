import assert from "node:assert/strict";
import {
  DEFAULT_NODE_IMAGE,
  e2eSettings,
  KIND_NODE_IMAGES,
  LOCALSTACK_FREE_IMAGE,
  LOCALSTACK_TOKEN_IMAGE,
  MOTO_IMAGE,
  nodeImageKubernetes,
  OLDEST_TESTED_KUBERNETES,
  TOOLS_IMAGE,
  WORKLOAD_IMAGE,
} from "./settings.ts";
import { KIND } from "./go_tools.ts";
import { PROXY_IMAGE } from "./emulator.ts";

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
    KIND_NODE_IMAGE: KIND_NODE_IMAGES[3],
    E2E_KEEP: "1",
    E2E_ARTIFACTS_DIR: "/tmp/diagnostics",
  });
  assert.equal(settings.backend.name, "moto");
  assert.equal(settings.backend.image, "motoserver/moto:5.1.0");
  assert.equal(settings.kindNodeImage, KIND_NODE_IMAGES[3]);
  assert.equal(settings.keep, true);
  assert.equal(settings.artifactsDir, "/tmp/diagnostics");
});

Deno.test("an unknown backend is an error that names the variable", () => {
  assert.throws(() => e2eSettings({ E2E_AWS_BACKEND: "real-aws" }), /E2E_AWS_BACKEND="real-aws"/);
});

Deno.test("node images are kind v0.33.0's, by digest; the default is its default", () => {
  assert.equal(KIND.version, "v0.33.0", "the list below belongs to this kind release");
  assert.deepEqual(KIND_NODE_IMAGES.map(nodeImageKubernetes), [
    "1.37.0",
    "1.36.4",
    "1.35.8",
    "1.34.11",
  ]);
  assert.equal(e2eSettings({}).kindNodeImage, DEFAULT_NODE_IMAGE);
  assert.equal(nodeImageKubernetes(DEFAULT_NODE_IMAGE), "1.37.0");
  assert.equal(nodeImageKubernetes(KIND_NODE_IMAGES.at(-1)!), OLDEST_TESTED_KUBERNETES);
});

Deno.test("a node image by tag, or one kind's release does not list, is refused", () => {
  assert.throws(
    () => e2eSettings({ KIND_NODE_IMAGE: "kindest/node:v1.33.7" }),
    /kindest\/node:v1\.33\.7 is not a kindest\/node image by digest/,
  );
  const unlisted = `kindest/node:v1.33.7@sha256:${"0".repeat(64)}`;
  assert.throws(
    () => e2eSettings({ KIND_NODE_IMAGE: unlisted }),
    /is not an image of kind's release; use one of\n {2}kindest\/node:v1\.37\.0@sha256:/,
  );
  assert.equal(
    e2eSettings({ KIND_NODE_IMAGE: unlisted, E2E_ALLOW_UNLISTED_NODE_IMAGE: "1" }).kindNodeImage,
    unlisted,
  );
});

Deno.test("every image the suite runs is pinned to a release (no latest, no moving minor tag)", () => {
  const images = [
    MOTO_IMAGE,
    LOCALSTACK_FREE_IMAGE,
    LOCALSTACK_TOKEN_IMAGE,
    WORKLOAD_IMAGE,
    TOOLS_IMAGE,
    PROXY_IMAGE,
    e2eSettings({ LOCALSTACK_AUTH_TOKEN: "t" }).backend.image,
  ];
  for (const image of images) {
    const tag = image.slice(image.lastIndexOf(":") + 1);
    assert.doesNotMatch(tag, /^latest$|^\d+(\.\d+)?$/, image);
  }
  assert.equal(WORKLOAD_IMAGE, "nginx:1.29.4");
  assert.equal(LOCALSTACK_TOKEN_IMAGE, "localstack/localstack:2026.08.3");
});
