/**
 * The start-up warm-up: once the socket answers, the provider creates its
 * Kubernetes client and makes the AWS SDK ready, without a single request to
 * AWS or to the Kubernetes API, and without delaying `Version`.
 */

import assert from "node:assert/strict";
import {
  connectDriver,
  DEFAULT_POD,
  PRIMARY_REGION,
  readMount,
  startProviderProcess,
  startStack,
} from "../../devstack/mod.ts";

Deno.test("the warm-up reaches neither AWS nor Kubernetes, and the first mount then works", async () => {
  await using stack = await startStack({ provider: false });
  await stack.seeder.createSecret(PRIMARY_REGION, "warm/db", "pw-1");
  const warmed = Promise.withResolvers<Record<string, unknown>>();
  await using provider = await startProviderProcess({
    awsEndpoint: stack.proxy.url,
    kubeconfig: stack.kubeconfig,
    onLine: (line) => {
      if (line.includes('"warmed up')) warmed.resolve(JSON.parse(line));
    },
  });
  const driver = connectDriver(provider.socketPath);
  try {
    assert.equal((await driver.version()).version, "v1alpha1");
    const line = await warmed.promise;
    assert.equal(line.msg, "warmed up", "every canned AWS call went through");
    assert.deepEqual(stack.proxy.calls(), []);
    assert.deepEqual(stack.kube.calls(), []);
    const targetPath = `${provider.mountRoot}/${DEFAULT_POD.uid}/volumes/kubernetes.io~csi/v/mount`;
    await Deno.mkdir(targetPath, { recursive: true });
    const outcome = await driver.mount({
      parameters: {
        region: PRIMARY_REGION,
        objects: "- {objectName: warm/db, objectType: secretsmanager}",
      },
      targetPath,
    });
    assert.ok(outcome.ok, outcome.ok ? "" : outcome.message);
    assert.equal((await readMount(targetPath))["warm_db"].text, "pw-1");
  } finally {
    driver.close();
  }
});

Deno.test("with no Version call, the warm-up starts on its own shortly after listening", async () => {
  await using stack = await startStack({ provider: false });
  const warmed = Promise.withResolvers<void>();
  await using _provider = await startProviderProcess({
    awsEndpoint: stack.proxy.url,
    kubeconfig: stack.kubeconfig,
    onLine: (line) => {
      if (line.includes('"msg":"warmed up"')) warmed.resolve();
    },
  });
  await warmed.promise;
  assert.deepEqual(stack.proxy.calls(), []);
});
