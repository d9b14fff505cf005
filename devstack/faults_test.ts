import assert from "node:assert/strict";
import { delay, faultBook, type FaultedCall, waitOut } from "./faults.ts";

interface Call extends FaultedCall {
  region: string;
  api: string;
}

function book() {
  return faultBook<{ region?: string; api?: string }, Call>({
    name: "test stand-in",
    kinds: ["status", "throttle", "hang", "latency"],
    countKey: (call) => call.region || undefined,
  });
}

Deno.test("the most specific fault wins, then the one set last", () => {
  const { injector, take } = book();
  injector.setFault({ region: "east", api: "Get" }, { kind: "throttle" });
  injector.setFault({ api: "Get" }, { kind: "status", status: 500 });
  injector.setFault({ region: "west" }, { kind: "status", status: 502 });
  assert.equal(take({ region: "east", api: "Get" })?.kind, "throttle");
  assert.deepEqual(take({ region: "west", api: "Get" }), { kind: "status", status: 502 });
  assert.deepEqual(take({ region: "north", api: "Get" }), { kind: "status", status: 500 });
  assert.equal(take({ region: "north", api: "Put" }), undefined);
});

Deno.test("a fault with times is used up, and the fault it covered applies again", () => {
  const { injector, take } = book();
  injector.setFault({}, { kind: "status", status: 500 });
  injector.setFault({}, { kind: "throttle", times: 2 });
  const kinds = Array.from({ length: 4 }, () => take({ region: "east", api: "Get" })?.kind);
  assert.deepEqual(kinds, ["throttle", "throttle", "status", "status"]);
  injector.clearFaults();
  assert.equal(take({ region: "east", api: "Get" }), undefined);
});

Deno.test("faults a stand-in cannot answer, or out of range, are refused", () => {
  const { injector } = book();
  assert.throws(
    () => injector.setFault({}, { kind: "reset" }),
    /test stand-in cannot inject a reset/,
  );
  assert.throws(() => injector.setFault({}, { kind: "throttle", times: 0 }), RangeError);
  assert.throws(() => injector.setFault({}, { kind: "status", status: 200 }), RangeError);
  assert.throws(() => injector.setFault({}, { kind: "latency", ms: -1 }), RangeError);
});

Deno.test("calls are recorded, copied and counted by the stand-in's key or another", () => {
  const { injector, record } = book();
  record({ region: "east", api: "Get", status: 200 });
  record({ region: "east", api: "Put", status: 400, fault: "throttle" });
  record({ region: "", api: "Assume", status: 200 });
  assert.deepEqual(injector.countBy(), { east: 2 });
  assert.deepEqual(injector.countBy((call) => call.fault ?? "none"), { none: 2, throttle: 1 });
  injector.calls()[0].status = 999;
  assert.equal(injector.calls()[0].status, 200);
  injector.resetCalls();
  assert.deepEqual(injector.calls(), []);
});

Deno.test("waitOut delays a latency fault and holds a hang until the stand-in stops", async () => {
  const stopped = new AbortController();
  let started = performance.now();
  await waitOut({ kind: "latency", ms: 50 }, stopped.signal);
  assert.ok(performance.now() - started >= 45);
  started = performance.now();
  await waitOut({ kind: "throttle" }, stopped.signal);
  await waitOut(undefined, stopped.signal);
  assert.ok(performance.now() - started < 45);
  let released = false;
  const hang = waitOut({ kind: "hang" }, stopped.signal).then(() => released = true);
  await delay(30, new AbortController().signal);
  assert.equal(released, false);
  stopped.abort();
  await hang;
  assert.equal(released, true);
});
