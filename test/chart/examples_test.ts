/**
 * The examples are the Go provider's (same names, classes, service accounts
 * and mount path), so the README's walkthrough works unchanged.
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { findObject, parseManifests } from "../../e2e/kind/chart_render.ts";

const EXAMPLES = fileURLToPath(new URL("../../examples/", import.meta.url));

async function example(name: string) {
  return parseManifests(await Deno.readTextFile(`${EXAMPLES}${name}`));
}

for (
  const [variant, prefix, podIdentity] of [
    ["IRSA", "nginx-irsa-deployment", undefined],
    ["PodIdentity", "nginx-pod-identity-deployment", "true"],
  ] as const
) {
  Deno.test(`ExampleSecretProviderClass-${variant} mounts MySecret with provider aws`, async () => {
    const [spc] = await example(`ExampleSecretProviderClass-${variant}.yaml`);
    assert.equal(spc.apiVersion, "secrets-store.csi.x-k8s.io/v1");
    assert.equal(spc.metadata.name, `${prefix}-aws-secrets`);
    assert.equal(spc.spec.provider, "aws");
    assert.deepEqual(parse(spc.spec.parameters.objects), [
      { objectName: "MySecret", objectType: "secretsmanager" },
    ]);
    assert.equal(spc.spec.parameters.usePodIdentity, podIdentity);
  });

  Deno.test(`ExampleDeployment-${variant} runs 2 nginx pods with the class at /mnt/secrets-store`, async () => {
    const objects = await example(`ExampleDeployment-${variant}.yaml`);
    const service = findObject(objects, "Service", prefix);
    assert.equal(service.spec.ports[0].port, 80);
    const deployment = findObject(objects, "Deployment", prefix);
    assert.equal(deployment.spec.replicas, 2);
    const pod = deployment.spec.template.spec;
    assert.deepEqual(service.spec.selector, deployment.spec.template.metadata.labels);
    assert.equal(pod.serviceAccountName, `${prefix}-sa`);
    assert.deepEqual(pod.volumes, [{
      name: "secrets-store-inline",
      csi: {
        driver: "secrets-store.csi.k8s.io",
        readOnly: true,
        volumeAttributes: { secretProviderClass: `${prefix}-aws-secrets` },
      },
    }]);
    assert.match(pod.containers[0].image, /^nginx/);
    assert.deepEqual(pod.containers[0].volumeMounts, [
      { name: "secrets-store-inline", mountPath: "/mnt/secrets-store", readOnly: true },
    ]);
  });
}
