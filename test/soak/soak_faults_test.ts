import assert from "node:assert/strict";
import type { AwsCall } from "../../devstack/mod.ts";
import { random } from "./soak_catalog.ts";
import { FATAL_FAULT_CODES, isFatalFault, OPENING_KINDS, pickFaults } from "./soak_faults.ts";

Deno.test("the first phases take every kind of fault once: a hang and a fatal error included", () => {
  const next = random(7);
  const kinds = OPENING_KINDS.map((_, phase) => {
    const [rule] = pickFaults("us-east-1", next, phase);
    const { fault } = rule;
    return fault.kind === "status"
      ? `${fault.status}${fault.code ? ` ${fault.code}` : ""}${fault.times ? "" : " standing"}`
      : fault.kind;
  });
  assert.equal(kinds.length, 7);
  assert.equal(kinds[0], "hang");
  assert.match(kinds[1], /^50[023]$/);
  assert.deepEqual(kinds.slice(2, 4), ["throttle", "reset"]);
  assert.equal(kinds[4], `400 ${FATAL_FAULT_CODES[0]}`);
  assert.deepEqual(kinds.slice(5), ["500 standing", "latency"]);
});

Deno.test("only an injected 4xx status is a fatal fault, throttling is not", () => {
  const call = (fault: AwsCall["fault"], status: number): AwsCall => ({
    service: "secretsmanager",
    api: "GetSecretValue",
    region: "us-east-1",
    accessKeyId: "AKID",
    status,
    fault,
  });
  assert.equal(isFatalFault(call("status", 400)), true);
  assert.equal(isFatalFault(call("status", 500)), false);
  assert.equal(isFatalFault(call("throttle", 400)), false);
  assert.equal(isFatalFault(call(undefined, 400)), false);
});
