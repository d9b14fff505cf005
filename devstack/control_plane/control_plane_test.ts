import assert from "node:assert/strict";
import { parse } from "yaml";
import {
  ADMIN_USER,
  apiServerArgs,
  clientCertKubeconfig,
  type ControlPlaneLayout,
  etcdArgs,
  kubeconfig,
  tokenFile,
} from "./control_plane.ts";

const LAYOUT: ControlPlaneLayout = {
  dir: "/w",
  etcdClientPort: 2379,
  etcdPeerPort: 2380,
  apiServerPort: 6443,
};

Deno.test("etcd is one loopback member without fsync", () => {
  const args = etcdArgs(LAYOUT);
  assert.ok(args.includes("--listen-client-urls=http://127.0.0.1:2379"));
  assert.ok(args.includes("--initial-cluster=devstack=http://127.0.0.1:2380"));
  assert.ok(args.includes("--data-dir=/w/etcd"));
  assert.ok(args.includes("--unsafe-no-fsync"));
  assert.ok(args.every((arg) => !/0\.0\.0\.0|localhost/.test(arg)), "loopback addresses only");
});

Deno.test("kube-apiserver: loopback, RBAC only, no anonymous access, signed tokens", () => {
  const args = apiServerArgs(LAYOUT);
  for (
    const expected of [
      "--etcd-servers=http://127.0.0.1:2379",
      "--bind-address=127.0.0.1",
      "--secure-port=6443",
      "--authorization-mode=RBAC",
      "--anonymous-auth=false",
      "--token-auth-file=/w/tokens.csv",
      "--client-ca-file=/w/client-ca.crt",
      "--service-account-signing-key-file=/w/service-account.key",
      "--service-account-key-file=/w/service-account.pub",
      "--endpoint-reconciler-type=none",
    ]
  ) {
    assert.ok(args.includes(expected), expected);
  }
});

Deno.test("the token file makes one admin in system:masters", () => {
  assert.equal(tokenFile("t0k"), `t0k,${ADMIN_USER},${ADMIN_USER},"system:masters"\n`);
});

Deno.test("the client-certificate kubeconfig carries the server, the CA, the certificate and key", () => {
  const config = parse(
    clientCertKubeconfig("https://127.0.0.1:6443", "CA", { certPem: "CERT", keyPem: "KEY" }),
  );
  assert.equal(atob(config.clusters[0].cluster["certificate-authority-data"]), "CA");
  assert.equal(atob(config.users[0].user["client-certificate-data"]), "CERT");
  assert.equal(atob(config.users[0].user["client-key-data"]), "KEY");
  assert.equal(config.users[0].user.token, undefined);
});

Deno.test("the kubeconfig carries the server, the CA and the token", () => {
  const config = parse(kubeconfig("https://127.0.0.1:6443", "PEM", "tok"));
  assert.equal(config.clusters[0].cluster.server, "https://127.0.0.1:6443");
  assert.equal(atob(config.clusters[0].cluster["certificate-authority-data"]), "PEM");
  assert.equal(config.users[0].user.token, "tok");
  assert.equal(config["current-context"], config.contexts[0].name);
});
