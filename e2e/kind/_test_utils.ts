/**
 * Small builders shared by the kind suite's unit tests.
 *
 * @module
 */

import type { PodSummary } from "./kube_reads.ts";

/** A running, ready pod of `containers`, with `changes` applied. */
export function runningPod(
  name: string,
  containers: string[] = [],
  changes: Partial<PodSummary> = {},
): PodSummary {
  return {
    name,
    ready: true,
    deleting: false,
    phase: "Running",
    containers,
    waiting: [],
    ...changes,
  };
}
