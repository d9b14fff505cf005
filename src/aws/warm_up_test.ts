import assert from "node:assert/strict";
import { warmUpAwsSdk } from "./warm_up.ts";

Deno.test("every warm-up call goes through the SDK against its canned answer, with no network", async () => {
  // A fetch or a socket would need --allow-net; the test runs with the net permission
  // revoked, so a warm-up that reached out would fail here.
  const net = await Deno.permissions.revoke({ name: "net" });
  assert.equal(net.state, "prompt");
  assert.deepEqual(await warmUpAwsSdk(), []);
});
