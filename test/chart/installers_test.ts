/**
 * The kubectl installers mirror the Go provider's (names, labels, arguments)
 * and run our image with the permissions of src/cli/permissions.ts.
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import {
  findObject,
  type KubeObject,
  parseManifests,
  providerContainer,
} from "../../e2e/kind/chart_render.ts";
import { defaultImageCommand } from "./expected_command.ts";

const DEPLOYMENT = fileURLToPath(new URL("../../deployment/", import.meta.url));
/** Name of the installers' objects (the Go installer's). */
const NAME = "csi-secrets-store-provider-aws";

async function installer(name: string): Promise<string> {
  return await Deno.readTextFile(`${DEPLOYMENT}${name}`);
}

/**
 * The three forms the private installer uses, as envsubst implementations
 * with `${VAR:+word}` support expand them.
 */
function envsubst(text: string, env: Record<string, string>): string {
  return text.replace(/\$\{(\w+)(?::\+([^}]*))?\}/g, (_all, name: string, word?: string) => {
    const value = env[name] ?? "";
    if (word !== undefined) return value ? word : "";
    return value;
  });
}

function checkCommonShape(objects: KubeObject[]): void {
  assert.deepEqual(objects.map((object) => `${object.kind}/${object.metadata.name}`), [
    "ServiceAccount/csi-secrets-store-provider-aws",
    "ClusterRole/csi-secrets-store-provider-aws-cluster-role",
    "ClusterRoleBinding/csi-secrets-store-provider-aws-cluster-rolebinding",
    "DaemonSet/csi-secrets-store-provider-aws",
  ]);
  const daemonSet = findObject(objects, "DaemonSet", NAME);
  assert.equal(daemonSet.metadata.namespace, "kube-system");
  assert.deepEqual(daemonSet.metadata.labels, { app: "csi-secrets-store-provider-aws" });
  const pod = daemonSet.spec.template.spec;
  assert.equal(pod.serviceAccountName, "csi-secrets-store-provider-aws");
  assert.deepEqual(pod.tolerations, [{ operator: "Exists" }]);
  assert.deepEqual(pod.nodeSelector, { "kubernetes.io/os": "linux" });
  // deno-lint-ignore no-explicit-any
  const rules = findObject(objects, "ClusterRole", `${NAME}-cluster-role`).rules.map((rule: any) =>
    `${rule.resources.join(",")}:${rule.verbs.join(",")}`
  );
  assert.deepEqual(rules, ["serviceaccounts:get", "pods:get", "nodes:get"]);
  const { command, spec } = providerContainer(objects, NAME);
  assert.deepEqual(command, defaultImageCommand());
  assert.equal(spec.imagePullPolicy, "Always");
  assert.deepEqual(spec.securityContext, {
    privileged: false,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
  });
  assert.equal(spec.volumeMounts[1].mountPropagation, "HostToContainer");
}

Deno.test("aws-provider-installer.yaml installs our image with the Go installer's objects", async () => {
  const objects = parseManifests(await installer("aws-provider-installer.yaml"));
  checkCommonShape(objects);
  const { args, spec } = providerContainer(objects, NAME);
  assert.equal(spec.image, "ghcr.io/secrets-store-csi-driver-provider-aws-deno/provider:0.1.0");
  assert.deepEqual(args, ["--provider-volume=/var/run/secrets-store-csi-providers"]);
});

Deno.test("private-installer.yaml takes the image from PRIVREPO and PRIVTAG", async () => {
  const text = await installer("private-installer.yaml");
  const tagged = parseManifests(
    envsubst(text, {
      PRIVREPO: "123456789012.dkr.ecr.us-east-1.amazonaws.com/ascp",
      PRIVTAG: "0.1.0",
    }),
  );
  checkCommonShape(tagged);
  const { args, spec } = providerContainer(tagged, NAME);
  assert.equal(spec.image, "123456789012.dkr.ecr.us-east-1.amazonaws.com/ascp:0.1.0");
  assert.deepEqual(args, [
    "--provider-volume=/var/run/secrets-store-csi-providers",
    "--driver-writes-secrets=false",
  ]);
  const untagged = parseManifests(envsubst(text, { PRIVREPO: "registry.example/ascp" }));
  assert.equal(providerContainer(untagged, NAME).spec.image, "registry.example/ascp");
});
