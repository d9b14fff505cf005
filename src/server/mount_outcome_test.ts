import assert from "node:assert/strict";
import { createLogger } from "../log/mod.ts";
import { MountError, type MountSummary } from "../mount/mod.ts";
import { GrpcStatus } from "./grpc_unary.ts";
import { finishMount, mountFailure, mountStatus } from "./mount_outcome.ts";

const SUMMARY: MountSummary = {
  pod: { name: "app-0", namespace: "default", uid: "u-1", serviceAccount: "app-sa" },
  secretProviderClass: "app-spc",
  regions: ["us-east-1", "us-west-2"],
  principal: "irsa:arn:aws:iam::123456789012:role/app",
  objects: ["app/db", "/app/param"],
  failovers: 1,
};

function capture() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    level: "debug",
    now: () => Date.UTC(2025, 0, 2, 3, 4, 5),
    write: (line) => lines.push(JSON.parse(line)),
  });
  return { logger, lines };
}

Deno.test("a successful mount logs one info line with its summary and has no status", () => {
  const { logger, lines } = capture();
  const outcome = finishMount(logger, { summary: SUMMARY, durationMs: 12.345 });
  assert.deepEqual(outcome, {
    record: { durationMs: 12.345, outcome: "ok", summary: SUMMARY },
  });
  assert.deepEqual(lines, [{
    time: "2025-01-02T03:04:05.000Z",
    level: "info",
    msg: "mount",
    pod: "app-0",
    namespace: "default",
    serviceAccount: "app-sa",
    secretProviderClass: "app-spc",
    regions: ["us-east-1", "us-west-2"],
    principal: "irsa:arn:aws:iam::123456789012:role/app",
    objects: ["app/db", "/app/param"],
    failovers: 1,
    durationMs: 12.3,
    outcome: "ok",
  }]);
});

Deno.test("a failed mount logs one warn line and answers UNKNOWN with the error text", () => {
  const { logger, lines } = capture();
  const outcome = finishMount(logger, {
    summary: { secretProviderClass: "app-spc" },
    durationMs: 3,
    thrown: { error: new MountError("FetchError", "Failed to fetch secret from all regions") },
  });
  assert.deepEqual(outcome, {
    record: {
      durationMs: 3,
      outcome: "FetchError",
      summary: { secretProviderClass: "app-spc" },
      error: "Failed to fetch secret from all regions",
    },
    status: { code: GrpcStatus.UNKNOWN, details: "Failed to fetch secret from all regions" },
  });
  assert.deepEqual(
    lines.map(({ level, msg, outcome, error, secretProviderClass }) => ({
      level,
      msg,
      outcome,
      error,
      secretProviderClass,
    })),
    [{
      level: "warn",
      msg: "mount failed",
      outcome: "FetchError",
      error: "Failed to fetch secret from all regions",
      secretProviderClass: "app-spc",
    }],
  );
});

Deno.test("anything but a MountError is reported as Internal, with its message", () => {
  const { logger, lines } = capture();
  const outcome = finishMount(logger, {
    summary: {},
    durationMs: 1,
    thrown: { error: new TypeError("x is undefined") },
  });
  assert.equal(outcome.record.outcome, "Internal");
  assert.deepEqual(outcome.status, {
    code: GrpcStatus.UNKNOWN,
    details: "internal error: x is undefined",
  });
  assert.equal(lines[0].error, "internal error: x is undefined");
  assert.equal(mountFailure("a string").message, "internal error: a string");
  assert.equal(mountFailure(undefined).message, "internal error: undefined");
});

Deno.test("a thrown MountError is reported as itself", () => {
  const error = new MountError("TokenError", "no token");
  assert.equal(mountFailure(error), error);
  assert.deepEqual(mountStatus(error), { code: GrpcStatus.UNKNOWN, details: "no token" });
});
