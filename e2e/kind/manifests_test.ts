import assert from "node:assert/strict";
import { parse } from "yaml";
import {
  exampleObjects,
  irsaServiceAccount,
  mountingDeployment,
  roleArn,
  secretProviderClass,
} from "./manifests.ts";

Deno.test("irsaServiceAccount carries the role annotation IRSA reads", () => {
  const account = irsaServiceAccount("app", {
    namespace: "ns",
    role: roleArn("123456789012", "r"),
  });
  assert.deepEqual(account.metadata, {
    name: "app",
    namespace: "ns",
    annotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/r" },
  });
});

Deno.test("secretProviderClass renders objects as the YAML string the provider parses", () => {
  const spc = secretProviderClass("c", {
    namespace: "ns",
    objects: [{ objectName: "/a/b", objectType: "ssmparameter", objectAlias: "b" }],
    parameters: { region: "us-west-2", failoverRegion: "us-east-2" },
    secretObjects: [{ secretName: "s", type: "Opaque", data: [{ objectName: "b", key: "k" }] }],
  });
  assert.equal(spc.spec.provider, "aws");
  assert.deepEqual(parse(spc.spec.parameters.objects), [
    { objectName: "/a/b", objectType: "ssmparameter", objectAlias: "b" },
  ]);
  assert.equal(spc.spec.parameters.region, "us-west-2");
  assert.equal(spc.spec.parameters.failoverRegion, "us-east-2");
  assert.equal(spc.spec.secretObjects[0].secretName, "s");
});

Deno.test("mountingDeployment mounts the class read-only at /mnt/secrets-store", () => {
  const deployment = mountingDeployment("app", {
    namespace: "ns",
    serviceAccount: "sa",
    secretProviderClass: "c",
    image: "nginx:1.29",
    envFromSecrets: { TOKEN: ["synced", "token"] },
  });
  const pod = deployment.spec.template.spec;
  assert.deepEqual(deployment.spec.selector.matchLabels, { app: "app" });
  assert.equal(pod.serviceAccountName, "sa");
  assert.deepEqual(pod.volumes[0].csi, {
    driver: "secrets-store.csi.k8s.io",
    readOnly: true,
    volumeAttributes: { secretProviderClass: "c" },
  });
  assert.deepEqual(pod.containers[0].volumeMounts[0].mountPath, "/mnt/secrets-store");
  assert.deepEqual(pod.containers[0].env, [
    { name: "TOKEN", valueFrom: { secretKeyRef: { name: "synced", key: "token" } } },
  ]);
});

Deno.test("the README's examples are applied unchanged but for namespace and pinned image", async () => {
  const objects = await exampleObjects("ExampleDeployment-IRSA.yaml", {
    namespace: "e2e-readme",
    image: "nginx:1.29",
  });
  assert.deepEqual(objects.map((object) => object.kind), ["Service", "Deployment"]);
  for (const object of objects) assert.equal(object.metadata.namespace, "e2e-readme");
  const deployment = objects[1];
  assert.equal(deployment.spec.template.spec.containers[0].image, "nginx:1.29");
  assert.equal(deployment.spec.template.spec.serviceAccountName, "nginx-irsa-deployment-sa");
  const [spc] = await exampleObjects("ExampleSecretProviderClass-IRSA.yaml", {
    namespace: "e2e-readme",
    image: "nginx:1.29",
  });
  assert.equal(spc.spec.parameters.region, undefined, "the README relies on the node's region");
});
