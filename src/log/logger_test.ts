import assert from "node:assert/strict";
import { createLogger, isLogLevel } from "./logger.ts";

const NOW = Date.parse("2026-06-04T10:20:30.456Z");

function capture(level?: "debug" | "info" | "warn" | "error") {
  const lines: string[] = [];
  const logger = createLogger({ level, write: (line) => lines.push(line), now: () => NOW });
  return { logger, lines, parsed: () => lines.map((line) => JSON.parse(line)) };
}

Deno.test("a log line is one JSON object with time, level, message and fields", () => {
  const { logger, lines } = capture();
  logger.info("Servicing mount request", { pod: "web-0", namespace: "app" });
  assert.deepEqual(lines, [
    '{"time":"2026-06-04T10:20:30.456Z","level":"info","msg":"Servicing mount request",' +
    '"pod":"web-0","namespace":"app"}',
  ]);
});

Deno.test("lines below the configured level are dropped", () => {
  const { logger, parsed } = capture("warn");
  logger.debug("d");
  logger.info("i");
  logger.warn("w");
  logger.error("e");
  assert.deepEqual(parsed().map((line) => line.level), ["warn", "error"]);
});

Deno.test("the default level is info", () => {
  const { logger, parsed } = capture();
  logger.debug("hidden");
  logger.info("shown");
  assert.deepEqual(parsed().map((line) => line.msg), ["shown"]);
});

Deno.test("with() adds fields to every line of the derived logger only", () => {
  const { logger, parsed } = capture();
  const mount = logger.with({ pod: "web-0" });
  mount.with({ object: "db" }).warn("slow", { ms: 1200 });
  logger.info("plain");
  assert.deepEqual(parsed(), [
    {
      time: "2026-06-04T10:20:30.456Z",
      level: "warn",
      msg: "slow",
      pod: "web-0",
      object: "db",
      ms: 1200,
    },
    { time: "2026-06-04T10:20:30.456Z", level: "info", msg: "plain" },
  ]);
});

Deno.test("an Error field is logged as its message", () => {
  const { logger, parsed } = capture();
  logger.error("mount failed", { error: new Error("Region not found") });
  assert.equal(parsed()[0].error, "Region not found");
});

Deno.test("isLogLevel accepts exactly the four levels", () => {
  assert.deepEqual(
    ["debug", "info", "warn", "error", "trace", "INFO", "", "toString"].map(isLogLevel),
    [true, true, true, true, false, false, false, false],
  );
});
