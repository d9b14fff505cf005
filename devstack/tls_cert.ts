/**
 * Test-time TLS material: a throw-away self-signed CA and a server
 * certificate for the loopback names (`127.0.0.1`, `::1`, `localhost`),
 * generated offline with the system `openssl` binary.
 *
 * Needs `--allow-run=openssl` (or `--allow-run`), `--allow-write` and
 * `--allow-read` for the system temp directory.
 *
 * @module
 */

/** PEM-encoded CA certificate plus a server certificate/key signed by it. */
export interface TestTlsMaterial {
  /** PEM of the self-signed CA certificate (trust anchor for clients). */
  caCertPem: string;
  /** PEM of the server certificate (leaf, signed by the CA). */
  certPem: string;
  /** PEM (PKCS#8) of the server's private key. */
  keyPem: string;
}

/** Options for {@linkcode generateTestTls}. */
export interface GenerateTestTlsOptions {
  /**
   * Subject alternative names for the server certificate, each as
   * `IP:addr` or `DNS:name`.
   * @default {["IP:127.0.0.1", "IP:::1", "DNS:localhost"]}
   */
  subjectAltNames?: string[];
  /** Common name of the server certificate. @default {"kube-apiserver"} */
  commonName?: string;
}

const DEFAULT_SANS = ["IP:127.0.0.1", "IP:::1", "DNS:localhost"];

let cachedDefault: Promise<TestTlsMaterial> | undefined;

async function openssl(args: string[], cwd: string): Promise<void> {
  const out = await new Deno.Command("openssl", { args, cwd, stdout: "piped", stderr: "piped" })
    .output();
  if (!out.success) {
    const err = new TextDecoder().decode(out.stderr);
    throw new Error(`openssl ${args[0]} failed (exit ${out.code}): ${err}`);
  }
}

/**
 * Generates a fresh CA (EC P-256, `CA:TRUE`) and a server certificate for
 * the given subject alternative names, signed by that CA. Files live in a
 * temp directory only while openssl runs.
 *
 * @example
 * ```ts
 * const tls = await generateTestTls();
 * Deno.serve({ port: 0, cert: tls.certPem, key: tls.keyPem }, () => new Response("ok"));
 * ```
 */
export async function generateTestTls(
  options: GenerateTestTlsOptions = {},
): Promise<TestTlsMaterial> {
  const sans = options.subjectAltNames ?? DEFAULT_SANS;
  const days = "2"; // a test run, with margin
  const cn = options.commonName ?? "kube-apiserver";
  const dir = await Deno.makeTempDir({ prefix: "test_tls_" });
  try {
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    await openssl([
      "req",
      "-x509",
      ...ec,
      "-keyout",
      "ca.key",
      "-out",
      "ca.crt",
      "-days",
      days,
      "-subj",
      "/CN=test-kubernetes-ca",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign,digitalSignature",
    ], dir);
    await openssl([
      "req",
      ...ec,
      "-keyout",
      "server.key",
      "-out",
      "server.csr",
      "-subj",
      `/CN=${cn}`,
    ], dir);
    await Deno.writeTextFile(
      `${dir}/server.ext`,
      [
        "basicConstraints=critical,CA:FALSE",
        "keyUsage=critical,digitalSignature,keyEncipherment",
        "extendedKeyUsage=serverAuth",
        `subjectAltName=${sans.join(",")}`,
        "",
      ].join("\n"),
    );
    await openssl([
      "x509",
      "-req",
      "-in",
      "server.csr",
      "-CA",
      "ca.crt",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      "server.crt",
      "-days",
      days,
      "-sha256",
      "-extfile",
      "server.ext",
    ], dir);
    const [caCertPem, certPem, keyPem] = await Promise.all([
      Deno.readTextFile(`${dir}/ca.crt`),
      Deno.readTextFile(`${dir}/server.crt`),
      Deno.readTextFile(`${dir}/server.key`),
    ]);
    return { caCertPem, certPem, keyPem };
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/**
 * Like {@linkcode generateTestTls} with default options, but generated once
 * per process and shared (saves ~3 openssl runs per test server).
 */
export function defaultTestTls(): Promise<TestTlsMaterial> {
  cachedDefault ??= generateTestTls().catch((e) => {
    cachedDefault = undefined;
    throw e;
  });
  return cachedDefault;
}
