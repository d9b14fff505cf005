import assert from "node:assert/strict";
import { fakeKube } from "./_test_utils.ts";
import { installObjects, privilegeProblem } from "./cluster.ts";
import type { KubeObject } from "./kube_client.ts";

Deno.test("the install applies CRDs, waits until they are established, then the rest", async () => {
  let crdReads = 0;
  const kube = fakeKube((path, object) => {
    if (path === "/api/v1/namespaces/kube-system") {
      return { apiVersion: "v1", kind: "Namespace", metadata: { name: "kube-system" } };
    }
    if (object?.kind === "CustomResourceDefinition") {
      // Established on the second read, as the API server needs a moment.
      crdReads++;
      return crdReads < 2 ? object : {
        ...object,
        status: { conditions: [{ type: "Established", status: "True" }] },
      };
    }
    return object;
  });
  const objects: KubeObject[] = [
    {
      apiVersion: "storage.k8s.io/v1",
      kind: "CSIDriver",
      metadata: { name: "secrets-store.csi.k8s.io" },
    },
    {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: "secretproviderclasses.secrets-store.csi.x-k8s.io" },
    },
  ];
  await installObjects(kube.client, objects);
  const crd =
    "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/secretproviderclasses.secrets-store.csi.x-k8s.io";
  assert.deepEqual(kube.calls.filter((call) => !call.startsWith("GET /api/v1/namespaces")), [
    `APPLY ${crd}`,
    `GET ${crd}`,
    `GET ${crd}`,
    "APPLY /apis/storage.k8s.io/v1/csidrivers/secrets-store.csi.k8s.io",
  ]);
});

Deno.test("a cluster needs root and the mount table, and says which is missing", () => {
  assert.equal(
    privilegeProblem({ uid: 0, mountinfo: "22 1 0:21 / / rw - overlay overlay rw" }),
    undefined,
  );
  assert.match(privilegeProblem({ uid: 1000, mountinfo: "" })!, /needs root/);
  assert.match(
    privilegeProblem({
      uid: 0,
      mountinfo: new Error('Requires all access to "/proc/self/mountinfo"'),
    })!,
    /needs --allow-all: it reads \/proc\/self\/mountinfo/,
  );
});
