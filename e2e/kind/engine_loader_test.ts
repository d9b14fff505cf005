import assert from "node:assert/strict";
import { type ContainerEngine, HOST_OVERRIDE, RYUK_DISABLED } from "./container_engine.ts";
import { loadContainerEngine } from "./engine_loader.ts";

/** An environment and an engine import that record the order things happen in. */
function recorder(initial: Record<string, string> = {}) {
  const events: string[] = [];
  const values = new Map(Object.entries(initial));
  const engine: ContainerEngine = {
    start: () => Promise.reject(new Error("not used")),
    removeLeftovers: () => Promise.resolve([]),
    logs: () => undefined,
  };
  return {
    events,
    messages: [] as string[],
    env: {
      get: (name: string) => values.get(name),
      set: (name: string, value: string) => {
        events.push(`set ${name}=${value}`);
        values.set(name, value);
      },
    },
    importEngine: () => {
      events.push(
        `import (${RYUK_DISABLED}=${values.get(RYUK_DISABLED) ?? "unset"}, ` +
          `${HOST_OVERRIDE}=${values.get(HOST_OVERRIDE) ?? "unset"})`,
      );
      return Promise.resolve({
        testcontainersEngine: (options: { keep: boolean }) => {
          events.push(`engine keep=${options.keep}`);
          return engine;
        },
      });
    },
  };
}

Deno.test("E2E_KEEP=1 switches Ryuk off, and the host is set, before testcontainers is loaded", async () => {
  const fake = recorder();
  await loadContainerEngine({
    keep: true,
    env: fake.env,
    importEngine: fake.importEngine,
    log: (message) => fake.messages.push(message),
  });
  assert.deepEqual(fake.events, [
    "set TESTCONTAINERS_RYUK_DISABLED=true",
    "set TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1",
    "import (TESTCONTAINERS_RYUK_DISABLED=true, TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1)",
    "engine keep=true",
  ]);
  assert.match(fake.messages[0], /no reaper removes the containers at exit/);
});

Deno.test("a normal run leaves the reaper on; what the environment set is kept, and said", async () => {
  const fake = recorder();
  await loadContainerEngine({ keep: false, env: fake.env, importEngine: fake.importEngine });
  assert.deepEqual(fake.events, [
    "set TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1",
    "import (TESTCONTAINERS_RYUK_DISABLED=unset, TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1)",
    "engine keep=false",
  ]);

  const disabled = recorder({ [RYUK_DISABLED]: "true", [HOST_OVERRIDE]: "192.168.1.5" });
  await loadContainerEngine({
    keep: false,
    env: disabled.env,
    importEngine: disabled.importEngine,
    log: (message) => disabled.messages.push(message),
  });
  assert.deepEqual(disabled.events, [
    "import (TESTCONTAINERS_RYUK_DISABLED=true, TESTCONTAINERS_HOST_OVERRIDE=192.168.1.5)",
    "engine keep=false",
  ]);
  assert.match(disabled.messages[0], /a killed run leaves them/);
  assert.match(
    disabled.messages[1],
    /=192\.168\.1\.5: the containers' ports listen on 127\.0\.0\.1 only/,
  );
});
