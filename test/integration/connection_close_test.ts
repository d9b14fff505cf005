/**
 * Regression: Deno 2.9.6's `node:http2` server aborted the provider process
 * when a client closed a connection that had carried a few hundred requests
 * (the client's GOAWAY; grpc-go and grpc-js both send one). The soak found it:
 * the process died with `free(): invalid pointer` or an nghttp2 assertion.
 */

import assert from "node:assert/strict";
import { connectDriver, startStack } from "../../devstack/mod.ts";

Deno.test({
  name: "a client closing a connection after 600 calls leaves the provider running",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using stack = await startStack();
    const { provider } = stack;
    const busy = connectDriver(provider.process.socketPath);
    for (let i = 0; i < 600; i++) await busy.version();
    busy.close();
    const exited = await Promise.race([
      provider.process.exited.then((code) => `exited with ${code}`),
      new Promise<string>((resolve) => setTimeout(() => resolve("running"), 1_000)),
    ]);
    assert.equal(exited, "running", provider.process.lines().slice(-3).join("\n"));
    assert.equal((await provider.driver.version()).version, "v1alpha1");
    assert.equal(await provider.stop(), 0);
  },
});
