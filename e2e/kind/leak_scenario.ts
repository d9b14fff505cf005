/**
 * The leak check of the local suites, on the cluster: no seeded value, no
 * service account token and no STS credential appears in any log line of any
 * provider pod (current and previous containers) or in any event of any
 * namespace. Runs last, over what every other scenario caused. Besides the
 * known values, anything shaped like a JWT counts as a leaked token.
 *
 * @module
 */

import { findLeaks, type LeakSource } from "../../devstack/mod.ts";
import type { KubeReads } from "./kube_reads.ts";
import type { Scenario } from "./scenario_context.ts";

/** Label selector of the provider's pods (the chart's `app` label). */
export const PROVIDER_SELECTOR = "app=secrets-store-csi-driver-provider-aws";
/** A JSON Web Token: two base64url JSON objects and a signature. */
const JWT = /eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]{8,}/;

/**
 * Every provider log line (each pod, each container, current and previous
 * instance) and every event. A previous instance exists only after a restart,
 * so its absence is not an error; a current log that cannot be read is.
 */
export async function providerLogsAndEvents(kube: KubeReads): Promise<LeakSource[]> {
  const sources: LeakSource[] = [];
  for (const pod of await kube.pods("kube-system", PROVIDER_SELECTOR)) {
    for (const container of pod.containers) {
      for (const previous of [false, true]) {
        let text: string;
        try {
          text = await kube.podLog("kube-system", pod.name, { container, previous });
        } catch (error) {
          if (previous) continue; // it never restarted
          throw new Error(
            `cannot read the log of provider pod ${pod.name} (${container}): ` +
              (error as Error).message,
          );
        }
        const which = previous ? "previous container's " : "";
        text.split("\n").forEach((line, index) => {
          if (line !== "") {
            sources.push({
              where: `provider pod ${pod.name} ${container} ${which}log line ${index + 1}`,
              text: line,
            });
          }
        });
      }
    }
  }
  for (const event of await kube.events({})) {
    const { kind, namespace, name } = event.involved;
    sources.push({
      where: `event ${event.reason} of ${kind} ${namespace}/${name}`,
      text: event.message,
    });
  }
  return sources;
}

/** The scenario. */
export const leakCheck: Scenario = {
  name: "leak check: no seeded value, token or STS credential in a provider log line or an event",
  async run(context) {
    const samples = await context.leakSamples();
    const sources = await providerLogsAndEvents(context.kube);
    const logLines = sources.filter((source) => source.where.startsWith("provider pod"));
    // A check over nothing proves nothing: the other scenarios mounted (debug logs) and failed
    // a mount (FailedMount events), and STS was called (tokens and credentials).
    if (logLines.length === 0) throw new Error("no provider log line to check");
    if (sources.length === logLines.length) throw new Error("no event to check");
    if (!samples.some((sample) => sample.what.startsWith("a web identity token"))) {
      throw new Error("no service account token went through STS: nothing to look for");
    }
    const leaks = findLeaks(sources, samples).map((leak) =>
      `${leak.what} appears in ${leak.where}`
    );
    for (const source of sources) {
      if (JWT.test(source.text)) leaks.push(`a JWT appears in ${source.where}`);
    }
    if (leaks.length > 0) {
      throw new Error(
        `${leaks.length} leak(s) in ${logLines.length} provider log lines and ` +
          `${sources.length - logLines.length} events:\n  ${leaks.slice(0, 20).join("\n  ")}`,
      );
    }
    context.log(
      `checked ${logLines.length} provider log lines and ${sources.length - logLines.length} ` +
        `events for ${samples.length} values: none found`,
    );
  },
};
