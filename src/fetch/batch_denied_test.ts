import assert from "node:assert/strict";
import { createLogger } from "../log/mod.ts";
import { BATCH_DENIED_TTL_MS, BatchDeniedMemory } from "./batch_denied.ts";

function memory(options: { enabled?: boolean } = {}) {
  const clock = { now: 1_000_000 };
  const lines: string[] = [];
  const denied = new BatchDeniedMemory({
    enabled: options.enabled ?? true,
    logger: createLogger({ write: (line) => lines.push(line) }),
    now: () => clock.now,
  });
  return { denied, lines, clock };
}

Deno.test("a denied identity uses GetSecretValue for an hour; others keep the batch action", () => {
  const { denied, clock } = memory();
  const a = denied.permission("irsa:role-a");
  assert.equal(a.allowed(), true);
  a.denied();
  assert.equal(denied.permission("irsa:role-a").allowed(), false);
  assert.equal(denied.permission("irsa:role-b").allowed(), true);
  clock.now += BATCH_DENIED_TTL_MS;
  assert.equal(denied.permission("irsa:role-a").allowed(), true);
});

Deno.test("the first denial of an identity is logged once, with its principal", () => {
  const { denied, lines } = memory();
  denied.permission("irsa:role-a").denied();
  denied.permission("irsa:role-a").denied();
  assert.equal(lines.length, 1);
  assert.match(
    lines[0],
    /"msg":"BatchGetSecretValue denied; using GetSecretValue for this identity"/,
  );
  assert.match(lines[0], /"principal":"irsa:role-a"/);
});

Deno.test("--batch-get-secret-value=false turns the batch action off for everyone", () => {
  assert.equal(memory({ enabled: false }).denied.permission("irsa:role-a").allowed(), false);
});
