import assert from "node:assert/strict";
import { PortTakenError } from "./_process.ts";
import { freePort } from "./mod.ts";
import { startProviderProcess } from "./provider_process.ts";

// No AWS call is made: the provider only has to start.
const AWS_ENDPOINT = "http://127.0.0.1:9";

Deno.test({
  name: "a metrics port taken between choosing and binding it is tried again with another",
  sanitizeResources: false,
  async fn() {
    using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const takenPort = (taken.addr as Deno.NetAddr).port;
    const chosen: number[] = [];
    const choosePort = () => {
      const port = chosen.length === 0 ? takenPort : freePort();
      chosen.push(port);
      return port;
    };
    await using provider = await startProviderProcess({ awsEndpoint: AWS_ENDPOINT, choosePort });
    assert.equal(chosen.length, 2);
    assert.equal(provider.metricsUrl, `http://127.0.0.1:${chosen[1]}`);
    assert.equal((await fetch(`${provider.metricsUrl}/healthz`)).status, 200);
  },
});

Deno.test("a port taken every time fails after three attempts, saying why", async () => {
  using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const takenPort = (taken.addr as Deno.NetAddr).port;
  let attempts = 0;
  const error = await startProviderProcess({
    awsEndpoint: AWS_ENDPOINT,
    choosePort: () => (attempts++, takenPort),
  }).then(() => undefined, (error: unknown) => error);
  assert.ok(error instanceof PortTakenError, String(error));
  assert.equal(attempts, 3);
  assert.match(error.message, /exited before listening:[\s\S]*Address already in use/);
});
