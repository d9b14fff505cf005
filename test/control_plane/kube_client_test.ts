/**
 * The provider's Kubernetes client (`src/identity/kube_client.ts`) against a
 * real kube-apiserver (`deno task control-plane`; etcd and kube-apiserver
 * only): the three reads with each kind of credential a DaemonSet meets
 * (a token, a token file the kubelet rotates, a client certificate) and the
 * real server's answers to what goes wrong (RBAC, a missing object, a token
 * that no longer authenticates).
 */

import assert from "node:assert/strict";
import { type KubeObject, startControlPlane } from "../../devstack/control_plane/mod.ts";
import { tempDir } from "../../devstack/mod.ts";
import { createKubeApi, KubeApiError } from "../../src/identity/mod.ts";

const ROLE = "arn:aws:iam::123456789012:role/app-secrets-reader";
const NODE = "ip-10-0-1-17.ec2.internal";

function object(kind: string, apiVersion: string, metadata: Record<string, unknown>, rest = {}) {
  return { apiVersion, kind, metadata, ...rest } as KubeObject;
}

/** A pod of `namespace` (its service account must exist: no controller creates `default`). */
function pod(namespace: string, name: string, serviceAccount: string, nodeName?: string) {
  return object("Pod", "v1", { namespace, name }, {
    spec: {
      serviceAccountName: serviceAccount,
      automountServiceAccountToken: false,
      ...(nodeName ? { nodeName } : {}),
      containers: [{ name: "app", image: "registry.k8s.io/pause:3.10" }],
    },
  });
}

async function kubeError(promise: Promise<unknown>): Promise<{ message: string; status?: number }> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof KubeApiError, `expected KubeApiError, got ${error}`);
    return { message: error.message, status: error.status };
  }
  assert.fail("the call did not fail");
}

Deno.test({
  name: "our Kubernetes client against a real kube-apiserver",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    // Disposed last, after the control plane has stopped (its etcd data is ~60 MB).
    await using workDir = await tempDir("kube-client-control-plane-");
    const dir = workDir.path;
    await using plane = await startControlPlane({ dir, log: () => {} });
    const admin = plane.admin;
    for (
      const item of [
        object("Namespace", "v1", { name: "app" }),
        object("ServiceAccount", "v1", {
          namespace: "app",
          name: "app-sa",
          annotations: { "eks.amazonaws.com/role-arn": ROLE },
        }),
        object("Node", "v1", {
          name: NODE,
          labels: { "topology.kubernetes.io/region": "us-west-2" },
        }),
        pod("app", "app-pod", "app-sa", NODE),
        object("ServiceAccount", "v1", { namespace: "kube-system", name: "provider" }),
        object("ServiceAccount", "v1", { namespace: "kube-system", name: "nobody" }),
        // As the chart's ClusterRole: get on the three resources the provider reads.
        object("ClusterRole", "rbac.authorization.k8s.io/v1", { name: "provider-reads" }, {
          rules: [{
            apiGroups: [""],
            resources: ["serviceaccounts", "pods", "nodes"],
            verbs: ["get"],
          }],
        }),
        object("ClusterRoleBinding", "rbac.authorization.k8s.io/v1", { name: "provider-reads" }, {
          roleRef: {
            apiGroup: "rbac.authorization.k8s.io",
            kind: "ClusterRole",
            name: "provider-reads",
          },
          subjects: [
            { kind: "ServiceAccount", namespace: "kube-system", name: "provider" },
            { kind: "User", apiGroup: "rbac.authorization.k8s.io", name: "cert-provider" },
          ],
        }),
      ]
    ) {
      await admin.apply(item);
    }
    const token = async (serviceAccount: string, boundPod?: { name: string; uid: string }) =>
      (await admin.requestToken("kube-system", serviceAccount, { audiences: [], boundPod })).token;

    await t.step("a token kubeconfig: the three reads", async () => {
      using api = await createKubeApi({
        kubeconfig: await plane.writeKubeconfig("provider-token", await token("provider")),
      });
      assert.deepEqual(await api.getServiceAccount("app", "app-sa"), {
        annotations: { "eks.amazonaws.com/role-arn": ROLE },
      });
      assert.deepEqual(await api.getPod("app", "app-pod"), { nodeName: NODE });
      assert.equal(
        (await api.getNode(NODE)).labels["topology.kubernetes.io/region"],
        "us-west-2",
      );
    });

    await t.step("a client-certificate kubeconfig", async () => {
      using api = await createKubeApi({
        kubeconfig: await plane.writeClientCertKubeconfig("cert-provider", "cert-provider"),
      });
      assert.deepEqual(await api.getPod("app", "app-pod"), { nodeName: NODE });
      using stranger = await createKubeApi({
        kubeconfig: await plane.writeClientCertKubeconfig("cert-stranger", "cert-stranger"),
      });
      assert.deepEqual(await kubeError(stranger.getNode(NODE)), {
        message: `nodes "${NODE}" is forbidden: User "cert-stranger" cannot get resource ` +
          `"nodes" in API group "" at the cluster scope`,
        status: 403,
      });
    });

    await t.step("the real server's errors, in client-go's words", async () => {
      using api = await createKubeApi({
        kubeconfig: await plane.writeKubeconfig("provider-errors", await token("provider")),
      });
      assert.deepEqual(await kubeError(api.getPod("app", "missing")), {
        message: 'pods "missing" not found',
        status: 404,
      });
      using nobody = await createKubeApi({
        kubeconfig: await plane.writeKubeconfig("nobody", await token("nobody")),
      });
      assert.deepEqual(await kubeError(nobody.getServiceAccount("app", "app-sa")), {
        message: 'serviceaccounts "app-sa" is forbidden: User ' +
          '"system:serviceaccount:kube-system:nobody" cannot get resource "serviceaccounts" in ' +
          'API group "" in the namespace "app"',
        status: 403,
      });
      using wrong = await createKubeApi({
        kubeconfig: await plane.writeKubeconfig("wrong", "not-a-token"),
      });
      assert.deepEqual(await kubeError(wrong.getNode(NODE)), {
        message: "Unauthorized",
        status: 401,
      });
    });

    await t.step(
      "a token file the kubelet rotates: the next token after a minute, or at once after a 401",
      async () => {
        // Tokens bound to pods, as the kubelet's are: deleting the pod ends the token.
        const holders: { name: string; uid: string }[] = [];
        for (const name of ["holder-1", "holder-2", "holder-3"]) {
          const created = await admin.apply(pod("kube-system", name, "provider"));
          holders.push({ name, uid: String(created.metadata.uid) });
        }
        const tokens: string[] = [];
        for (const holder of holders) tokens.push(await token("provider", holder));
        const tokenFile = `${dir}/rotating-token`;
        await Deno.writeTextFile(tokenFile, tokens[0]);
        const kubeconfig = `${dir}/token-file.kubeconfig`;
        const written = JSON.parse(
          await Deno.readTextFile(await plane.writeKubeconfig("base", "x")),
        );
        written.users[0].user = { tokenFile };
        await Deno.writeTextFile(kubeconfig, JSON.stringify(written));
        // The API server caches authenticated tokens for a few seconds: wait until it refuses one.
        const revoke = async (index: number) => {
          await admin.delete(`/api/v1/namespaces/kube-system/pods/${holders[index].name}`);
          const probe = plane.clientFor(tokens[index]);
          for (let i = 0; i < 120; i++) {
            if ((await probe.raw("GET", "/api")).status === 401) return;
            await new Promise((resolve) => setTimeout(resolve, 250));
          }
          assert.fail(`token ${index + 1} is still accepted`);
        };
        let now = 0;
        using api = await createKubeApi({ kubeconfig, now: () => now });
        assert.deepEqual(await api.getPod("app", "app-pod"), { nodeName: NODE });
        // The kubelet writes the next token well before the last one expires.
        await Deno.writeTextFile(tokenFile, tokens[1]);
        await revoke(0);
        now = 60_000;
        assert.deepEqual(await api.getPod("app", "app-pod"), { nodeName: NODE }, "token 2 is read");
        // A token that stops working before the minute is up is read again at once.
        await Deno.writeTextFile(tokenFile, tokens[2]);
        await revoke(1);
        now = 61_000;
        assert.equal((await kubeError(api.getPod("app", "app-pod"))).status, 401);
        assert.deepEqual(await api.getPod("app", "app-pod"), { nodeName: NODE }, "token 3 is read");
      },
    );
  },
});
