import assert from "node:assert/strict";
import { type KubeApi, lazyKubeApi } from "./kube_api.ts";

const API: KubeApi = {
  getServiceAccount: () => Promise.resolve({ annotations: {} }),
  getPod: () => Promise.resolve({ nodeName: "n" }),
  getNode: () => Promise.resolve({ labels: {} }),
};

Deno.test("the API is made once, on first use", async () => {
  let made = 0;
  const kube = lazyKubeApi(() => {
    made++;
    return Promise.resolve(API);
  });
  assert.equal(made, 0);
  assert.equal(await kube(), API);
  assert.equal(await kube(), API);
  assert.equal(made, 1);
});

Deno.test("a failure is reported with the Go provider's words and tried again next time", async () => {
  let attempts = 0;
  const kube = lazyKubeApi(() =>
    ++attempts === 1 ? Promise.reject(new Error("no in-cluster config")) : Promise.resolve(API)
  );
  await assert.rejects(kube(), {
    message: "Can not get cluster config. error: no in-cluster config",
  });
  assert.equal(await kube(), API);
  assert.equal(attempts, 2);
});
