import assert from "node:assert/strict";
import { LeakError } from "./leak_check.ts";
import { readMount } from "./read_mount.ts";
import { startProviderProcess } from "./provider_process.ts";
import { FAILOVER_REGION, PRIMARY_REGION, startStack, TEST_NODE, TEST_ROLE_ARN } from "./stack.ts";

const SECRET = (name: string) => `- {objectName: ${name}, objectType: secretsmanager}`;

Deno.test({
  name: "a stack mounts through its provider, and stopping it stops every piece",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const stack = await startStack({ ownEmulators: [FAILOVER_REGION] });
    await stack.seeder.createSecret(PRIMARY_REGION, "stack-east", "st4ck-east-value");
    await stack.seeder.createSecret(FAILOVER_REGION, "stack-west", "st4ck-west-value");
    // Each region's data went to its own moto.
    assert.notEqual(stack.motos[FAILOVER_REGION].url, stack.moto.url);
    const mount = async (region: string, name: string) => {
      const targetPath = await stack.provider.newTargetPath();
      const outcome = await stack.provider.driver.mount({
        targetPath,
        parameters: { region, objects: SECRET(name) },
      });
      assert.equal(outcome.ok, true, JSON.stringify(outcome));
      return (await readMount(targetPath))[name].text;
    };
    assert.equal(await mount(PRIMARY_REGION, "stack-east"), "st4ck-east-value");
    assert.equal(await mount(FAILOVER_REGION, "stack-west"), "st4ck-west-value");
    // The test pod's identity comes from the Kubernetes API stand-in.
    assert.deepEqual(stack.kube.countBy(), { serviceaccounts: 1 });
    const node = await (await fetch(`${stack.kube.url}/api/v1/nodes/${TEST_NODE}`)).json();
    assert.equal(node.metadata.labels["topology.kubernetes.io/region"], PRIMARY_REGION);
    assert.equal(stack.proxy.countBy((call) => call.api).AssumeRoleWithWebIdentity, 1);
    const irsa = (line: string) => line.includes(`irsa:${TEST_ROLE_ARN}`);
    assert.ok((await stack.provider.process.linesWhen((lines) => lines.some(irsa))).some(irsa));
    // Without the line it waits as long as asked, then gives what came.
    const waitedFrom = performance.now();
    const all = await stack.provider.process.linesWhen(() => false, { timeoutMs: 100 });
    assert.ok(performance.now() - waitedFrom >= 100);
    assert.deepEqual(all, stack.provider.process.lines());

    // The provider process runs with the image's environment (one malloc arena).
    if (Deno.build.os === "linux") {
      // Through cat: Deno asks for --allow-all to read /proc/<pid>/environ itself.
      const read = await new Deno.Command("cat", {
        args: [`/proc/${stack.provider.process.pid}/environ`],
      }).output();
      const environ = new TextDecoder().decode(read.stdout).split("\0");
      assert.ok(environ.includes("GLIBC_TUNABLES=glibc.malloc.arena_max=1"), environ.join(" "));
    }
    // The pod volumes are on a tmpfs of the stack, as under the driver (when root on Linux).
    const process = stack.provider.process;
    const volumes = stack.podVolumes;
    if (Deno.uid() === 0 && Deno.build.os === "linux") {
      assert.equal(volumes.tmpfsMounted, true, volumes.reason ?? "");
      assert.ok(process.mountRoot.startsWith(`${volumes.dir}/`), process.mountRoot);
      const parent = volumes.dir.slice(0, volumes.dir.lastIndexOf("/"));
      assert.notEqual((await Deno.stat(volumes.dir)).dev, (await Deno.stat(parent)).dev);
    } else {
      assert.equal(volumes.tmpfsMounted, false);
      assert.ok(volumes.reason);
    }
    await stack.stop();
    assert.equal(await process.exited, 0);
    // Unmounted and removed with everything written there, the provider's directories too.
    if (volumes.tmpfsMounted) await assert.rejects(Deno.stat(volumes.dir), Deno.errors.NotFound);
    for (const dir of [process.providerVolume, process.mountRoot]) {
      await assert.rejects(Deno.stat(dir), Deno.errors.NotFound, dir);
    }
    await assert.rejects(fetch(`${stack.proxy.url}/`));
    await assert.rejects(fetch(`${stack.kube.url}/version`));
    await assert.rejects(fetch(`${stack.moto.url}/moto-api/config`));
  },
});

Deno.test({
  name: "a stack without a provider has none; one started later is stopped with the stack",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using stack = await startStack({ provider: false, podIdentity: true });
    assert.throws(() => stack.provider, /provider: false/);
    const provider = await stack.startProvider({ awsRegion: PRIMARY_REGION });
    assert.ok(provider.process.command.some((arg) => arg.includes("--pod-identity-agent-ipv6")));
    await stack.seeder.createSecret(PRIMARY_REGION, "stack-agent", "ag3nt-value");
    const outcome = await provider.driver.mount({
      targetPath: await provider.newTargetPath(),
      parameters: { objects: SECRET("stack-agent"), usePodIdentity: "true" },
    });
    assert.equal(outcome.ok, true, JSON.stringify(outcome));
    assert.deepEqual(stack.podIdentity?.ipv4.countBy(), { "/v1/credentials": 1 });
    await stack.stop();
    assert.equal(await provider.process.exited, 0);
  },
});

Deno.test({
  name: "a provider's stop() fails when a seeded value shows up in the provider's log",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using stack = await startStack();
    // A value equal to the object's name: the mount's log line names the object, so it "leaks".
    await stack.seeder.createSecret(PRIMARY_REGION, "leak-check-canary", "leak-check-canary");
    const outcome = await stack.provider.driver.mount({
      targetPath: await stack.provider.newTargetPath(),
      parameters: { region: PRIMARY_REGION, objects: SECRET("leak-check-canary") },
    });
    assert.equal(outcome.ok, true, JSON.stringify(outcome));
    await assert.rejects(
      stack.provider.stop(),
      (error: Error) =>
        error instanceof LeakError &&
        /the value of secret leak-check-canary in us-east-1 \(17 chars\) appears in provider log line \d+/
          .test(error.message),
    );
  },
});

Deno.test({
  name: "a watched client's errors are checked and the tokens it sent looked for",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using stack = await startStack();
    await stack.seeder.createSecret(PRIMARY_REGION, "leak-check-harness", "H~4rn");
    // Errors as the driver harness keeps them: the driver's text around the provider's.
    stack.provider.watch("driver harness v1.6", {
      errors: () => [{ call: 3, message: "rpc error: code = Unknown desc = bad H~4rn" }],
      tokensSent: () => ["T~harness-token"],
    });
    stack.provider.watch("driver harness v1.5", {
      errors: () => [{ call: 1, message: "rpc error: T~harness-token refused" }],
      tokensSent: () => [],
    });
    // The stack's stop() runs the proof too, and throws what it found after stopping the rest.
    await assert.rejects(stack.stop(), (error: Error) => {
      assert.ok(error instanceof LeakError);
      assert.deepEqual(error.leaks, [
        {
          where: "the error the driver harness v1.6 got from call 3",
          what: "the value of secret leak-check-harness in us-east-1 (5 chars)",
        },
        {
          where: "the error the driver harness v1.5 got from call 1",
          what: "a token the driver harness v1.6 sent (15 chars)",
        },
      ]);
      return true;
    });
    await assert.rejects(fetch(`${stack.proxy.url}/`));
  },
});

Deno.test({
  name: "a provider process removes the directories it made when it stops, never given ones",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using stack = await startStack({ provider: false });
    const given = await Deno.makeTempDir({ prefix: "given-pods-" });
    try {
      const own = await startProviderProcess({ awsEndpoint: stack.proxy.url });
      const mixed = await startProviderProcess({ awsEndpoint: stack.proxy.url, mountRoot: given });
      for (const provider of [own, mixed]) assert.equal(await provider.stop(), 0);
      for (const dir of [own.providerVolume, own.mountRoot, mixed.providerVolume]) {
        await assert.rejects(Deno.stat(dir), Deno.errors.NotFound, dir);
      }
      assert.ok((await Deno.stat(given)).isDirectory);
    } finally {
      await Deno.remove(given, { recursive: true });
    }
  },
});
