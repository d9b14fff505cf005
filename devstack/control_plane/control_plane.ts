/**
 * etcd and kube-apiserver on loopback, from the cached builds: RBAC on,
 * service-account tokens signed with a key of this run, TLS with a CA of
 * this run, and one static admin token for the suite itself. Nothing else
 * runs — no controller manager, no scheduler — so the suite creates what
 * those would (service accounts, pods already bound to the node).
 *
 * @example
 * ```ts
 * await using plane = await startControlPlane({ workDir });
 * const sa = await plane.admin.get("/api/v1/namespaces/kube-system/serviceaccounts/x");
 * ```
 *
 * @module
 */

import { generateTestTls } from "../mod.ts";
import {
  baseEnvironment,
  type Child,
  freePort,
  spawnChild,
  waitUntilReady,
} from "./child_process.ts";
import { ensureBuilt, ETCD, KUBE_APISERVER } from "./components.ts";
import { type KubeClient, kubeClient } from "./kube_client.ts";

/** The service account issuer (what an EKS cluster's tokens carry is irrelevant to moto). */
export const SERVICE_ACCOUNT_ISSUER = "https://kubernetes.default.svc";
/** The name the static admin token authenticates as. */
export const ADMIN_USER = "devstack-admin";

/** Files and ports of one control plane. */
export interface ControlPlaneLayout {
  /** Working directory (etcd data, certificates, token file). */
  dir: string;
  /** etcd client port. */
  etcdClientPort: number;
  /** etcd peer port. */
  etcdPeerPort: number;
  /** kube-apiserver secure port. */
  apiServerPort: number;
}

/** etcd's arguments: one member on loopback, no fsync (the data lives as long as the run). */
export function etcdArgs(layout: ControlPlaneLayout): string[] {
  const client = `http://127.0.0.1:${layout.etcdClientPort}`;
  const peer = `http://127.0.0.1:${layout.etcdPeerPort}`;
  return [
    "--name=devstack",
    `--data-dir=${layout.dir}/etcd`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=devstack=${peer}`,
    "--unsafe-no-fsync",
    "--log-level=warn",
  ];
}

/**
 * kube-apiserver's arguments. `--endpoint-reconciler-type=none`: the
 * `kubernetes` Service's endpoint reconciler would otherwise loop on the
 * loopback advertise address.
 */
export function apiServerArgs(layout: ControlPlaneLayout): string[] {
  return [
    `--etcd-servers=http://127.0.0.1:${layout.etcdClientPort}`,
    "--bind-address=127.0.0.1",
    "--advertise-address=127.0.0.1",
    `--secure-port=${layout.apiServerPort}`,
    `--cert-dir=${layout.dir}/certs`,
    `--tls-cert-file=${layout.dir}/apiserver.crt`,
    `--tls-private-key-file=${layout.dir}/apiserver.key`,
    `--token-auth-file=${layout.dir}/tokens.csv`,
    // Client certificates of the run's client CA (writeClientCertKubeconfig).
    `--client-ca-file=${layout.dir}/client-ca.crt`,
    "--anonymous-auth=false",
    // The driver's DaemonSet pod is privileged (it mounts tmpfs), as on kubeadm and EKS clusters.
    "--allow-privileged=true",
    "--authorization-mode=RBAC",
    `--service-account-issuer=${SERVICE_ACCOUNT_ISSUER}`,
    `--service-account-key-file=${layout.dir}/service-account.pub`,
    `--service-account-signing-key-file=${layout.dir}/service-account.key`,
    "--service-cluster-ip-range=10.96.0.0/16",
    "--endpoint-reconciler-type=none",
    "--profiling=false",
  ];
}

/** The static token file: one admin in `system:masters`. */
export function tokenFile(adminToken: string): string {
  return `${adminToken},${ADMIN_USER},${ADMIN_USER},"system:masters"\n`;
}

/** A running control plane. */
export interface ControlPlane extends AsyncDisposable {
  /** `https://127.0.0.1:PORT`. */
  server: string;
  /** The cluster CA (PEM). */
  caCertPem: string;
  /** A client with the admin token. */
  admin: KubeClient;
  /** etcd and kube-apiserver, for logs. */
  processes: Child[];
  /** A client for another bearer token. */
  clientFor(token: string): KubeClient;
  /** A kubeconfig file (under the control plane's directory) that authenticates with `token`. */
  writeKubeconfig(name: string, token: string): Promise<string>;
  /**
   * A kubeconfig file that authenticates with a client certificate for `user`
   * (in `groups`), signed by the run's client CA.
   */
  writeClientCertKubeconfig(name: string, user: string, groups?: string[]): Promise<string>;
  /** Stops the API server, then etcd. */
  stop(): Promise<void>;
}

/** Options of {@linkcode startControlPlane}. */
export interface ControlPlaneOptions {
  /** An empty directory for the control plane's files. */
  dir: string;
  /** Progress messages. @default {console.error} */
  log?: (message: string) => void;
}

/** Builds (if needed) and starts etcd and kube-apiserver; resolves once `/readyz` answers 200. */
export async function startControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  const log = options.log ?? console.error;
  const [etcdBinary, apiServerBinary] = [
    await ensureBuilt(ETCD, { log }),
    await ensureBuilt(KUBE_APISERVER, { log }),
  ];
  const layout: ControlPlaneLayout = {
    dir: options.dir,
    etcdClientPort: freePort(),
    etcdPeerPort: freePort(),
    apiServerPort: freePort(),
  };
  const adminToken = randomToken();
  const tls = await generateTestTls({
    subjectAltNames: [
      "IP:127.0.0.1",
      "DNS:localhost",
      "DNS:kubernetes",
      "DNS:kubernetes.default",
      "DNS:kubernetes.default.svc",
    ],
    commonName: "kube-apiserver",
  });
  await Deno.writeTextFile(`${layout.dir}/ca.crt`, tls.caCertPem);
  await Deno.writeTextFile(`${layout.dir}/apiserver.crt`, tls.certPem);
  await Deno.writeTextFile(`${layout.dir}/apiserver.key`, tls.keyPem, { mode: 0o600 });
  await Deno.writeTextFile(`${layout.dir}/tokens.csv`, tokenFile(adminToken), { mode: 0o600 });
  await serviceAccountKeys(layout.dir);
  await runOpenssl(layout.dir, [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    "client-ca.key",
    "-out",
    "client-ca.crt",
    "-days",
    "2",
    "-subj",
    "/CN=devstack-client-ca",
  ]);

  const processes: Child[] = [];
  const server = `https://127.0.0.1:${layout.apiServerPort}`;
  const admin = kubeClient({ server, caCertPem: tls.caCertPem, token: adminToken });
  const stop = async () => {
    admin.close();
    // The API server first: etcd going away under it makes its shutdown slow and noisy.
    for (const child of [...processes].reverse()) await child.stop();
  };
  try {
    const etcd = spawnChild("etcd", etcdBinary, { args: etcdArgs(layout), env: baseEnvironment() });
    processes.push(etcd);
    await waitUntilReady(etcd, "health", async () => {
      const response = await fetch(`http://127.0.0.1:${layout.etcdClientPort}/health`);
      return response.ok && (await response.json()).health === "true";
    });
    const apiServer = spawnChild("kube-apiserver", apiServerBinary, {
      args: apiServerArgs(layout),
      env: baseEnvironment(),
      stopTimeoutMs: 20_000,
    });
    processes.push(apiServer);
    await waitUntilReady(apiServer, "/readyz", async () => {
      const { status } = await admin.raw("GET", "/readyz");
      return status === 200;
    }, { timeoutMs: 120_000, intervalMs: 250 });
  } catch (error) {
    await stop();
    throw error;
  }
  const clients: KubeClient[] = [];
  return {
    server,
    caCertPem: tls.caCertPem,
    admin,
    processes,
    clientFor(token) {
      const client = kubeClient({ server, caCertPem: tls.caCertPem, token });
      clients.push(client);
      return client;
    },
    async writeKubeconfig(name, token) {
      const path = `${layout.dir}/${name}.kubeconfig`;
      await Deno.writeTextFile(path, kubeconfig(server, tls.caCertPem, token), { mode: 0o600 });
      return path;
    },
    async writeClientCertKubeconfig(name, user, groups = []) {
      const subject = `/CN=${user}${groups.map((group) => `/O=${group}`).join("")}`;
      await runOpenssl(layout.dir, [
        "req",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        `${name}.key`,
        "-out",
        `${name}.csr`,
        "-subj",
        subject,
      ]);
      await Deno.writeTextFile(`${layout.dir}/${name}.ext`, "extendedKeyUsage=clientAuth\n");
      await runOpenssl(layout.dir, [
        "x509",
        "-req",
        "-in",
        `${name}.csr`,
        "-CA",
        "client-ca.crt",
        "-CAkey",
        "client-ca.key",
        "-CAcreateserial",
        "-out",
        `${name}.crt`,
        "-days",
        "1",
        "-extfile",
        `${name}.ext`,
      ]);
      const [certPem, keyPem] = await Promise.all([
        Deno.readTextFile(`${layout.dir}/${name}.crt`),
        Deno.readTextFile(`${layout.dir}/${name}.key`),
      ]);
      const path = `${layout.dir}/${name}.kubeconfig`;
      await Deno.writeTextFile(
        path,
        clientCertKubeconfig(server, tls.caCertPem, { certPem, keyPem }),
        { mode: 0o600 },
      );
      return path;
    },
    async stop() {
      for (const client of clients.splice(0)) client.close();
      await stop();
    },
    async [Symbol.asyncDispose]() {
      for (const client of clients.splice(0)) client.close();
      await stop();
    },
  };
}

/** A kubeconfig (JSON, which is YAML) for `server` with a bearer token. */
export function kubeconfig(server: string, caCertPem: string, token: string): string {
  return JSON.stringify(
    {
      apiVersion: "v1",
      kind: "Config",
      clusters: [{
        name: "devstack",
        cluster: { server, "certificate-authority-data": btoa(caCertPem) },
      }],
      users: [{ name: "devstack", user: { token } }],
      contexts: [{ name: "devstack", context: { cluster: "devstack", user: "devstack" } }],
      "current-context": "devstack",
    },
    null,
    2,
  );
}

/** A kubeconfig (JSON) for `server` with a client certificate and its key. */
export function clientCertKubeconfig(
  server: string,
  caCertPem: string,
  client: { certPem: string; keyPem: string },
): string {
  return JSON.stringify(
    {
      apiVersion: "v1",
      kind: "Config",
      clusters: [{
        name: "devstack",
        cluster: { server, "certificate-authority-data": btoa(caCertPem) },
      }],
      users: [{
        name: "devstack",
        user: {
          "client-certificate-data": btoa(client.certPem),
          "client-key-data": btoa(client.keyPem),
        },
      }],
      contexts: [{ name: "devstack", context: { cluster: "devstack", user: "devstack" } }],
      "current-context": "devstack",
    },
    null,
    2,
  );
}

/** Runs openssl in `dir`; throws with its error output when it fails. */
async function runOpenssl(dir: string, args: string[]): Promise<void> {
  const output = await new Deno.Command("openssl", {
    args,
    cwd: dir,
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!output.success) {
    throw new Error(`openssl ${args[0]}: ${new TextDecoder().decode(output.stderr)}`);
  }
}

/** 32 random bytes, hex: the admin token of one run. */
function randomToken(): string {
  return [...crypto.getRandomValues(new Uint8Array(32))]
    .map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** RSA 2048 signing key for service account tokens (RS256, like EKS), with its public half. */
async function serviceAccountKeys(dir: string): Promise<void> {
  for (
    const args of [
      [
        "genpkey",
        "-algorithm",
        "RSA",
        "-pkeyopt",
        "rsa_keygen_bits:2048",
        "-out",
        "service-account.key",
      ],
      ["pkey", "-in", "service-account.key", "-pubout", "-out", "service-account.pub"],
    ]
  ) {
    const output = await new Deno.Command("openssl", {
      args,
      cwd: dir,
      stdout: "null",
      stderr: "piped",
    })
      .output();
    if (!output.success) {
      throw new Error(`openssl ${args[0]}: ${new TextDecoder().decode(output.stderr)}`);
    }
  }
}
