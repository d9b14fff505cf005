/**
 * The process around the service: flags, the socket file, graceful stop.
 */

import assert from "node:assert/strict";
import {
  freePort,
  PRIMARY_REGION,
  providerCommand,
  startProviderProcess,
  startStack,
  tempDir,
} from "../../devstack/mod.ts";

const REPO_ROOT = new URL("../../", import.meta.url).pathname;

async function runProvider(args: string[]): Promise<{ code: number; stderr: string }> {
  await using volume = await tempDir("provider-vol-");
  const providerVolume = volume.path;
  const command = providerCommand({
    awsEndpoint: "http://127.0.0.1:9",
    providerVolume,
    mountRoot: providerVolume,
    args,
  });
  const output = await new Deno.Command(Deno.execPath(), {
    args: command,
    cwd: REPO_ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: output.code, stderr: new TextDecoder().decode(output.stderr) };
}

Deno.test("an unknown flag prints Go's message and the usage, and exits with 2", async () => {
  const { code, stderr } = await runProvider(["--nope"]);
  assert.equal(code, 2);
  assert.match(
    stderr,
    /^flag provided but not defined: -nope\nUsage of secrets-store-csi-driver-provider-aws:\n/,
  );
  assert.ok(
    stderr.includes(
      '  -provider-volume string\n    \tRendezvous directory for provider socket (default "/var/run/secrets-store-csi-providers")',
    ),
  );
});

Deno.test("a bad flag value exits with 2 and says which flag", async () => {
  const { code, stderr } = await runProvider(["--qps=fast"]);
  assert.equal(code, 2);
  assert.match(stderr, /^invalid value "fast" for flag -qps: parse error\n/);
});

Deno.test("-h prints the usage and exits with 0", async () => {
  const { code, stderr } = await runProvider(["-h"]);
  assert.equal(code, 0);
  assert.match(stderr, /^Usage of secrets-store-csi-driver-provider-aws:/);
});

Deno.test({
  name:
    "a stale socket file is replaced, and SIGTERM lets an in-flight mount finish, then removes the socket",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using volume = await tempDir("provider-vol-");
    const providerVolume = volume.path;
    await Deno.writeTextFile(`${providerVolume}/aws.sock`, "left over from a crash");
    await using stack = await startStack({ provider: { providerVolume } });
    const { provider } = stack;
    assert.ok((await Deno.lstat(`${providerVolume}/aws.sock`)).isSocket);
    await stack.seeder.createSecret(PRIMARY_REGION, "it-life", "sl0w~life");
    stack.proxy.setFault({ service: "secretsmanager" }, { kind: "latency", ms: 1_500 });
    const targetPath = await provider.newTargetPath();
    const pending = provider.driver.mount({
      targetPath,
      parameters: {
        region: PRIMARY_REGION,
        objects: "- {objectName: it-life, objectType: secretsmanager}",
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 700));
    // stop() runs the leak proof once the process has exited.
    const code = provider.stop("SIGTERM");
    const outcome = await pending;
    assert.equal(outcome.ok, true, JSON.stringify(outcome));
    assert.equal(await Deno.readTextFile(`${targetPath}/it-life`), "sl0w~life");
    assert.equal(await code, 0);
    await assert.rejects(Deno.lstat(`${providerVolume}/aws.sock`), Deno.errors.NotFound);
    const lines = provider.process.lines();
    assert.ok(lines.some((line) => line.includes("received signal:terminated to terminate")));
  },
});

Deno.test({
  name: "SIGINT stops the provider too, after serving a mount",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using stack = await startStack();
    const { provider } = stack;
    await stack.seeder.createSecret(PRIMARY_REGION, "it-life-int", "1nt~life");
    const targetPath = await provider.newTargetPath();
    const outcome = await provider.driver.mount({
      targetPath,
      parameters: {
        region: PRIMARY_REGION,
        objects: "- {objectName: it-life-int, objectType: secretsmanager}",
      },
    });
    assert.equal(outcome.ok, true, JSON.stringify(outcome));
    assert.equal(await Deno.readTextFile(`${targetPath}/it-life-int`), "1nt~life");
    // stop() runs the leak proof over the mount's log lines.
    assert.equal(await provider.stop("SIGINT"), 0);
    assert.ok(provider.process.lines().some((line) => line.includes("received signal:interrupt")));
  },
});

Deno.test("a metrics port in use fails the start with a message that says so", async () => {
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (taken.addr as Deno.NetAddr).port;
  try {
    await using volume = await tempDir("provider-vol-");
    const providerVolume = volume.path;
    const command = providerCommand({
      awsEndpoint: "http://127.0.0.1:9",
      providerVolume,
      mountRoot: providerVolume,
      metricsPort: port,
    });
    const output = await new Deno.Command(Deno.execPath(), {
      args: command,
      cwd: REPO_ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(output.stderr);
    assert.equal(output.code, 1);
    assert.match(
      stderr,
      /"msg":"Failed to serve the metrics and health endpoint\. error: Address already in use/,
    );
    await assert.rejects(Deno.lstat(`${providerVolume}/aws.sock`), Deno.errors.NotFound);
  } finally {
    taken.close();
  }
});

/** Where the provider says it serves /healthz (a started provider has said it). */
function servedOn(provider: { lines(): string[] }): string {
  const line = provider.lines().find((text) => text.includes("/healthz and /readyz on "));
  if (!line) throw new Error(`no endpoint:\n${provider.lines().join("\n")}`);
  return JSON.parse(line).msg.split(" on ").at(-1);
}

/** The status of GET `url`, or the name of the error that stopped it. */
async function healthz(url: string): Promise<number | string> {
  try {
    const response = await fetch(url);
    await response.body?.cancel();
    return response.status;
  } catch (error) {
    return (error as Error).name;
  }
}

Deno.test("a port alone (:<port>, the default's form) serves IPv4 and IPv6 on one socket", async () => {
  const port = freePort();
  await using provider = await startProviderProcess({
    awsEndpoint: "http://127.0.0.1:9",
    netHosts: [`[::]:${port}`, `0.0.0.0:${port}`],
    args: [`--metrics-addr=:${port}`],
  });
  assert.equal(servedOn(provider), `[::]:${port}`);
  assert.equal(await healthz(`http://127.0.0.1:${port}/healthz`), 200);
  assert.equal(await healthz(`http://[::1]:${port}/healthz`), 200);
});

Deno.test("a provider allowed to listen on 0.0.0.0 only (an older install) serves :<port> on IPv4", async () => {
  const port = freePort();
  await using provider = await startProviderProcess({
    awsEndpoint: "http://127.0.0.1:9",
    netHosts: [`0.0.0.0:${port}`],
    args: [`--metrics-addr=:${port}`],
  });
  assert.equal(servedOn(provider), `0.0.0.0:${port}`);
  assert.equal(await healthz(`http://127.0.0.1:${port}/healthz`), 200);
  assert.equal(await healthz(`http://[::1]:${port}/healthz`), "TypeError");
});

Deno.test(
  "where net.ipv6.bindv6only is 1 (:: takes IPv6 only), :<port> serves IPv4 on 0.0.0.0 beside it",
  async () => {
    // In a network namespace of its own (loopback only, bindv6only set), so any port is free.
    const port = 8989;
    await using provider = await startProviderProcess({
      awsEndpoint: "http://127.0.0.1:9",
      netHosts: [`[::]:${port}`, `0.0.0.0:${port}`],
      args: [`--metrics-addr=:${port}`],
      runUnder: [
        "unshare",
        "--net",
        "sh",
        "-c",
        'ip link set lo up && sysctl -q -w net.ipv6.bindv6only=1 && exec "$@"',
        "sh",
      ],
    });
    assert.equal(servedOn(provider), `[::]:${port} and 0.0.0.0:${port}`);
    // Asked from inside the provider's network namespace.
    for (const host of ["127.0.0.1", "[::1]"]) {
      const asked = await new Deno.Command("nsenter", {
        args: [
          `--net=/proc/${provider.pid}/ns/net`,
          Deno.execPath(),
          "eval",
          `try { const r = await fetch("http://${host}:${port}/healthz"); console.log(r.status); } catch (e) { console.log(String(e.cause ?? e)); }`,
        ],
        env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes).trim();
      assert.equal(decode(asked.stdout), "200", `${host}: ${decode(asked.stderr)}`);
    }
  },
);
