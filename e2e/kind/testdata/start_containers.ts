/**
 * What the kind suite does with containers, as its own process (the reaper
 * and the runtime client of testcontainers live as long as the process):
 * loads the engine as the suite does, removes leftovers of cluster `probe`,
 * starts the emulator and the fault proxy, reads the proxy's health through
 * its host URL, and stops both unless `--keep`. Prints one JSON line.
 * testcontainers_engine_test.ts runs it against the Docker Engine stand-in.
 *
 * @module
 */

import { loadContainerEngine } from "../engine_loader.ts";
import { startEmulator, startFaultProxy } from "../emulator.ts";
import { e2eSettings } from "../settings.ts";

const keep = Deno.args.includes("--keep");
const messages: string[] = [];
const engine = await loadContainerEngine({ keep, log: (message) => messages.push(message) });
const { backend } = e2eSettings({});
const cluster = "probe";
let report: Record<string, unknown>;
try {
  const leftovers = await engine.removeLeftovers(cluster);
  const emulator = await startEmulator(engine, { backend, cluster });
  const proxy = await startFaultProxy(engine, { upstream: emulator.clusterUrl, cluster });
  const health = await fetch(`${proxy.hostUrl}/__e2e/health`);
  report = {
    ok: true,
    leftovers,
    health: health.status,
    emulator: { ...emulator },
    proxy: { name: proxy.name, clusterUrl: proxy.clusterUrl, hostUrl: proxy.hostUrl },
  };
  await health.body?.cancel();
  if (!keep) {
    await proxy.stop();
    await emulator.stop();
  }
} catch (error) {
  report = { ok: false, error: (error as Error).message };
}
report.messages = messages;
report.emulatorLog = engine.logs(`${cluster}-aws-emulator`);
console.log(JSON.stringify(report));
// The runtime client's sockets are unref'd but the reaper's connection must end with the process.
Deno.exit(0);
