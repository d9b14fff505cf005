import assert from "node:assert/strict";
import {
  decodeChunks,
  IN_CLUSTER_DIR,
  IN_CLUSTER_SERVER,
  loadKubeConnection,
  MAX_CONFIG_FILE_BYTES,
  readTokenFile,
} from "./kube_config.ts";

const CA = "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n";
const CERT = "-----BEGIN CERTIFICATE-----\nCLIENT\n-----END CERTIFICATE-----\n";
const KEY = "-----BEGIN PRIVATE KEY-----\nKEY\n-----END PRIVATE KEY-----\n";

async function tempDir(): Promise<{ path: string } & AsyncDisposable> {
  const path = await Deno.makeTempDir({ prefix: "kube_config_test_" });
  return { path, [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }) };
}

/** A kubeconfig with one context; `cluster` and `user` are the YAML lines under them. */
function kubeconfig(cluster: string[], user: string[], currentContext = "ctx"): string {
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: c",
    "  cluster:",
    ...cluster.map((line) => `    ${line}`),
    "users:",
    "- name: u",
    "  user:",
    ...(user.length === 0 ? ["    {}"] : user.map((line) => `    ${line}`)),
    "contexts:",
    "- name: other",
    "  context: {cluster: missing, user: missing}",
    "- name: ctx",
    "  context: {cluster: c, user: u, namespace: app}",
    `current-context: ${currentContext}`,
    "",
  ].join("\n");
}

async function load(dir: string, text: string) {
  const path = `${dir}/kubeconfig`;
  await Deno.writeTextFile(path, text);
  return await loadKubeConnection({ kubeconfig: path });
}

Deno.test("the in-cluster server is the kubernetes service's name", () => {
  assert.equal(IN_CLUSTER_SERVER, "https://kubernetes.default.svc");
  assert.equal(IN_CLUSTER_DIR, "/var/run/secrets/kubernetes.io/serviceaccount");
});

Deno.test("in-cluster: the CA file, the token as a file to re-read, the service's name", async () => {
  await using dir = await tempDir();
  await Deno.mkdir(`${dir.path}${IN_CLUSTER_DIR}`, { recursive: true });
  await Deno.writeTextFile(`${dir.path}${IN_CLUSTER_DIR}/token`, "t0k\n");
  await Deno.writeTextFile(`${dir.path}${IN_CLUSTER_DIR}/ca.crt`, CA);
  assert.deepEqual(await loadKubeConnection({ inClusterPathPrefix: dir.path }), {
    server: IN_CLUSTER_SERVER,
    caPem: CA,
    token: { kind: "file", path: `${dir.path}${IN_CLUSTER_DIR}/token` },
  });
});

Deno.test("in-cluster: a missing token or CA fails with the file's name", async () => {
  await using dir = await tempDir();
  await assert.rejects(
    loadKubeConnection({ inClusterPathPrefix: dir.path }),
    new RegExp(`open ${dir.path}${IN_CLUSTER_DIR}/token: `),
  );
  await Deno.mkdir(`${dir.path}${IN_CLUSTER_DIR}`, { recursive: true });
  await Deno.writeTextFile(`${dir.path}${IN_CLUSTER_DIR}/token`, "t0k");
  await assert.rejects(loadKubeConnection({ inClusterPathPrefix: dir.path }), /ca\.crt/);
});

Deno.test("a token file is trimmed; an empty or huge one is refused", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/token`;
  await Deno.writeTextFile(path, "  abc.def \n");
  assert.equal(await readTokenFile(path), "abc.def");
  await Deno.writeTextFile(path, "\n");
  await assert.rejects(readTokenFile(path), /is empty/);
  await Deno.writeTextFile(path, "x".repeat(MAX_CONFIG_FILE_BYTES + 1));
  await assert.rejects(readTokenFile(path), /is larger than 1048576 bytes/);
});

Deno.test("kubeconfig: the current context's server, inline CA and token", async () => {
  await using dir = await tempDir();
  assert.deepEqual(
    await load(
      dir.path,
      kubeconfig([
        "server: https://api.example:6443/",
        `certificate-authority-data: ${btoa(CA)}`,
      ], ["token: abc"]),
    ),
    { server: "https://api.example:6443", caPem: CA, token: { kind: "static", token: "abc" } },
  );
});

Deno.test("kubeconfig: files are relative to the kubeconfig's directory; an inline token wins over tokenFile", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/ca.crt`, CA);
  await Deno.writeTextFile(`${dir.path}/client.crt`, CERT);
  await Deno.writeTextFile(`${dir.path}/client.key`, KEY);
  await Deno.writeTextFile(`${dir.path}/token`, "from-file");
  assert.deepEqual(
    await load(
      dir.path,
      kubeconfig(["server: https://api", "certificate-authority: ca.crt"], [
        "client-certificate: client.crt",
        `client-key: ${dir.path}/client.key`,
        "tokenFile: token",
      ]),
    ),
    {
      server: "https://api",
      caPem: CA,
      clientCertificate: { certPem: CERT, keyPem: KEY },
      token: { kind: "file", path: `${dir.path}/token` },
    },
  );
  assert.deepEqual(
    (await load(
      dir.path,
      kubeconfig(["server: https://api"], ["token: inline", "tokenFile: token"]),
    ))
      .token,
    { kind: "static", token: "inline" },
  );
});

Deno.test("kubeconfig: inline certificate data wins over a file", async () => {
  await using dir = await tempDir();
  const connection = await load(
    dir.path,
    kubeconfig(["server: https://api"], [
      `client-certificate-data: ${btoa(CERT)}`,
      "client-certificate: /nonexistent",
      `client-key-data: ${btoa(KEY)}`,
    ]),
  );
  assert.deepEqual(connection.clientCertificate, { certPem: CERT, keyPem: KEY });
  assert.deepEqual(connection.token, { kind: "none" });
});

Deno.test("kubeconfig: http needs no CA; insecure-skip-tls-verify is harmless there", async () => {
  await using dir = await tempDir();
  assert.deepEqual(
    await load(
      dir.path,
      kubeconfig(["server: http://127.0.0.1:8080", "insecure-skip-tls-verify: true"], []),
    ),
    { server: "http://127.0.0.1:8080", token: { kind: "none" } },
  );
});

Deno.test("kubeconfig: what this provider does not support is refused, not ignored", async () => {
  await using dir = await tempDir();
  const cases: [string[], string[], RegExp][] = [
    [["server: https://api", "insecure-skip-tls-verify: true"], [], /insecure-skip-tls-verify/],
    [["server: https://api", "proxy-url: http://proxy"], [], /proxy-url/],
    [["server: https://api", "tls-server-name: other"], [], /tls-server-name/],
    [["server: https://api"], ["exec: {command: aws}"], /user "u" uses exec/],
    [["server: https://api"], ["auth-provider: {name: oidc}"], /uses auth-provider/],
    [["server: https://api"], ["username: admin", "password: x"], /uses username/],
    [["server: https://api"], [`client-certificate-data: ${btoa(CERT)}`], /client key/],
    [["server: ftp://api"], [], /not http\(s\)/],
    [["server: ''"], [], /no server found for cluster "c"/],
    [["server: https://api", "certificate-authority-data: '%%%'"], [], /not valid base64/],
  ];
  for (const [cluster, user, error] of cases) {
    await assert.rejects(load(dir.path, kubeconfig(cluster, user)), error);
  }
});

Deno.test("kubeconfig: a missing context, cluster or current context is an error", async () => {
  await using dir = await tempDir();
  await assert.rejects(
    load(dir.path, kubeconfig(["server: https://api"], [], "nope")),
    /context "nope" was not found/,
  );
  await assert.rejects(
    load(dir.path, kubeconfig(["server: https://api"], [], "other")),
    /cluster "missing" was not found/,
  );
  await assert.rejects(
    load(dir.path, kubeconfig(["server: https://api"], [], "''")),
    /no current-context/,
  );
  await assert.rejects(load(dir.path, "clusters: [\n"), /error loading config file/);
});

Deno.test("decodeChunks joins chunks in order, a character split across two included", () => {
  const bytes = new TextEncoder().encode("ab€c");
  assert.equal(decodeChunks([bytes.subarray(0, 3), bytes.subarray(3)], bytes.length), "ab€c");
  assert.equal(decodeChunks([], 0), "");
});
