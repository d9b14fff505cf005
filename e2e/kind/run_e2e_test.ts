import assert from "node:assert/strict";
import { NO_DOCKER_MESSAGE, runE2e } from "./run_e2e.ts";

Deno.test("without Docker the local suite runs, after saying so", async () => {
  const messages: string[] = [];
  const ran: string[] = [];
  const code = await runE2e({
    dockerAvailable: () => Promise.resolve(false),
    runKind: () => {
      ran.push("kind");
      return Promise.resolve(0);
    },
    runLocal: () => {
      ran.push("local");
      return Promise.resolve(3);
    },
    log: (message) => messages.push(message),
  });
  assert.deepEqual(ran, ["local"]);
  assert.equal(code, 3);
  assert.deepEqual(messages, [NO_DOCKER_MESSAGE]);
  assert.match(NO_DOCKER_MESSAGE, /Docker is not available/);
});

Deno.test("a local suite that resolves to nothing counts as passed; a throw fails", async () => {
  const runners = {
    dockerAvailable: () => Promise.resolve(false),
    runKind: () => Promise.resolve(0),
    log: () => {},
  };
  assert.equal(await runE2e({ ...runners, runLocal: () => Promise.resolve() }), 0);
  await assert.rejects(
    () => runE2e({ ...runners, runLocal: () => Promise.reject(new Error("local failed")) }),
    /local failed/,
  );
});

Deno.test("with Docker the kind suite runs and its exit code is returned", async () => {
  const code = await runE2e({
    dockerAvailable: () => Promise.resolve(true),
    runKind: () => Promise.resolve(1),
    runLocal: () => Promise.reject(new Error("must not run")),
    log: () => assert.fail("nothing to say"),
  });
  assert.equal(code, 1);
});
