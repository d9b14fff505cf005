/**
 * The bench's two driver clients against the real provider: the dev stack's
 * grpc-js client and the CSI driver's own Go client (the harness) give the
 * same answers for the same calls, rotation versions included, and the Go
 * client reports its own time of each call.
 */

import assert from "node:assert/strict";
import { goDriverClient, grpcJsClient } from "../../bench/_clients.ts";
import {
  ensureDriverHarness,
  PRIMARY_REGION,
  readMount,
  startDriverHarness,
  startStack,
} from "../../devstack/mod.ts";

Deno.test({
  name: "bench clients: grpc-js and the driver's Go client mount alike; the Go one times itself",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await ensureDriverHarness("v1.6");
    await using stack = await startStack();
    const { provider, seeder } = stack;
    await seeder.createSecret(PRIMARY_REGION, "bench-clients/a", "value-a");
    await seeder.createSecret(PRIMARY_REGION, "bench-clients/b", "value-b");
    const parameters = {
      region: PRIMARY_REGION,
      objects: "- {objectName: bench-clients/a, objectType: secretsmanager}\n" +
        "- {objectName: bench-clients/b, objectType: secretsmanager}",
    };
    await using harness = await startDriverHarness("v1.6", {
      providerDir: provider.process.providerVolume,
    });
    provider.watch("bench go client", harness);
    const clients = [grpcJsClient(provider.driver), goDriverClient(harness)];
    const versions: Record<string, string>[] = [];
    for (const client of clients) {
      const targetPath = await provider.newTargetPath();
      const first = await client.mount({ parameters, targetPath });
      assert.ok(first.outcome.ok, JSON.stringify(first.outcome));
      versions.push(first.outcome.versions);
      // A rotation re-mount with the versions of the first.
      const again = await client.mount({
        parameters,
        targetPath,
        currentObjectVersion: Object.entries(first.outcome.versions).map(([id, version]) => ({
          id,
          version,
        })),
      });
      assert.ok(again.outcome.ok);
      assert.deepEqual(again.outcome.versions, first.outcome.versions);
      const files = await readMount(targetPath);
      assert.deepEqual(
        Object.fromEntries(Object.entries(files).map(([name, file]) => [name, file.text])),
        { "bench-clients_a": "value-a", "bench-clients_b": "value-b" },
      );
      if (client === clients[0]) {
        assert.equal(first.durationMs, undefined, "grpc-js is timed by the caller");
      } else {
        assert.ok(first.durationMs! > 0 && first.durationMs! < 30_000, `${first.durationMs}`);
      }
    }
    assert.deepEqual(versions[1], versions[0]);
    // A failure is an outcome with the driver's message, not a throw.
    const missing = await clients[1].mount({
      parameters: {
        region: PRIMARY_REGION,
        objects: "- {objectName: bench-clients/missing, objectType: secretsmanager}",
      },
      targetPath: await provider.newTargetPath(),
    });
    assert.equal(missing.outcome.ok, false);
    assert.match((missing.outcome as { message: string }).message, /bench-clients\/missing/);
  },
});
