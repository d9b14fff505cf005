import assert from "node:assert/strict";
import { runningPod } from "./_test_utils.ts";
import {
  eventFieldSelector,
  eventSummary,
  pickPod,
  podSummary,
  rolloutState,
  waitForRollout,
  type WorkloadFields,
} from "./kube_reads.ts";

Deno.test("a pod's summary: readiness, deletion, containers in log order, waiting reasons", () => {
  const pod = podSummary({
    metadata: { name: "agent-x", deletionTimestamp: new Date() },
    spec: { initContainers: [{ name: "link-local-address" }], containers: [{ name: "agent" }] },
    status: {
      phase: "Pending",
      conditions: [{ type: "PodScheduled", status: "True" }, { type: "Ready", status: "False" }],
      containerStatuses: [{ state: { waiting: { reason: "ContainerCreating" } } }],
    },
  });
  assert.deepEqual(pod, {
    name: "agent-x",
    ready: false,
    deleting: true,
    phase: "Pending",
    containers: ["link-local-address", "agent"],
    waiting: ["ContainerCreating"],
  });
  const ready = podSummary({
    metadata: { name: "p" },
    status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }] },
  });
  assert.equal(ready.ready, true);
  assert.equal(ready.deleting, false);
  assert.deepEqual(podSummary({}), {
    name: "",
    ready: false,
    deleting: false,
    phase: "Unknown",
    containers: [],
    waiting: [],
  });
});

Deno.test("pickPod prefers a ready pod that is not being deleted", () => {
  const pod = (name: string, ready: boolean, deleting = false) =>
    runningPod(name, [], { ready, deleting });
  assert.equal(
    pickPod([pod("old", true, true), pod("new", false), pod("up", true)], "x").name,
    "up",
  );
  assert.equal(pickPod([pod("old", true, true), pod("new", false)], "x").name, "new");
  assert.throws(
    () => pickPod([pod("old", true, true)], "with app=a in n"),
    /no pod with app=a in n/,
  );
});

Deno.test("events: the API filters by object and reason; summaries keep what the checks read", () => {
  assert.equal(
    eventFieldSelector({ namespace: "n", involvedObject: "p", reason: "FailedMount" }),
    "involvedObject.name=p,reason=FailedMount",
  );
  assert.equal(eventFieldSelector({ reason: "FailedMount" }), "reason=FailedMount");
  assert.equal(eventFieldSelector({}), undefined);
  assert.deepEqual(
    eventSummary({
      reason: "FailedMount",
      message: "m",
      involvedObject: { kind: "Pod", namespace: "n", name: "p" },
    }),
    { reason: "FailedMount", message: "m", involved: { kind: "Pod", namespace: "n", name: "p" } },
  );
  assert.deepEqual(eventSummary({}), {
    reason: "",
    message: "",
    involved: { kind: "", namespace: "", name: "" },
  });
});

function deployment(
  status: WorkloadFields["status"],
  generation = 2,
  replicas = 2,
): WorkloadFields {
  return { metadata: { generation }, spec: { replicas }, status };
}

Deno.test("a Deployment's rollout, by kubectl rollout status's rules", () => {
  const state = (object: WorkloadFields) => rolloutState("Deployment", "app", object);
  assert.deepEqual(state(deployment({ observedGeneration: 1 })), {
    done: false,
    message: "Waiting for deployment spec update to be observed...",
  });
  assert.match(
    state(deployment({ observedGeneration: 2, updatedReplicas: 1, replicas: 2 })).message,
    /1 out of 2 new replicas have been updated/,
  );
  assert.match(
    state(deployment({ observedGeneration: 2, updatedReplicas: 2, replicas: 3 })).message,
    /1 old replicas are pending termination/,
  );
  assert.match(
    state(
      deployment({ observedGeneration: 2, updatedReplicas: 2, replicas: 2, availableReplicas: 1 }),
    )
      .message,
    /1 of 2 updated replicas are available/,
  );
  assert.deepEqual(
    state(
      deployment({ observedGeneration: 2, updatedReplicas: 2, replicas: 2, availableReplicas: 2 }),
    ),
    { done: true, message: 'deployment "app" successfully rolled out' },
  );
  // spec.replicas defaults to 1; a fresh object with no status is not done.
  assert.equal(state({ metadata: { generation: 1 }, status: {} }).done, false);
  assert.deepEqual(
    state(deployment({
      observedGeneration: 2,
      conditions: [{ type: "Progressing", reason: "ProgressDeadlineExceeded" }],
    })),
    { done: false, failed: true, message: 'deployment "app" exceeded its progress deadline' },
  );
});

Deno.test("a DaemonSet's rollout: every scheduled pod updated and available", () => {
  const daemonSet = (status: WorkloadFields["status"], type = "RollingUpdate"): WorkloadFields => ({
    metadata: { generation: 1 },
    spec: { updateStrategy: { type } },
    status,
  });
  const state = (object: WorkloadFields) => rolloutState("DaemonSet", "agent", object);
  assert.equal(state(daemonSet({ observedGeneration: 0 })).done, false);
  assert.match(
    state(
      daemonSet({ observedGeneration: 1, desiredNumberScheduled: 2, updatedNumberScheduled: 1 }),
    )
      .message,
    /1 out of 2 new pods have been updated/,
  );
  assert.match(
    state(daemonSet({
      observedGeneration: 1,
      desiredNumberScheduled: 2,
      updatedNumberScheduled: 2,
      numberAvailable: 1,
    })).message,
    /1 of 2 updated pods are available/,
  );
  assert.deepEqual(
    state(daemonSet({
      observedGeneration: 1,
      desiredNumberScheduled: 2,
      updatedNumberScheduled: 2,
      numberAvailable: 2,
    })),
    { done: true, message: 'daemon set "agent" successfully rolled out' },
  );
  assert.equal(state(daemonSet({ observedGeneration: 1 }, "OnDelete")).failed, true);
});

Deno.test("waitForRollout reads until done, fails at once on a lost rollout, times out with the last state", async () => {
  const target = { kind: "Deployment" as const, namespace: "n", name: "app" };
  const sleeps: number[] = [];
  const sleep = (ms: number) => {
    sleeps.push(ms);
    return Promise.resolve();
  };
  const states = [
    Promise.reject(new Error("connection refused")),
    Promise.resolve(deployment({ observedGeneration: 1 })),
    Promise.resolve(
      deployment({ observedGeneration: 2, updatedReplicas: 2, replicas: 2, availableReplicas: 2 }),
    ),
  ];
  states[0].catch(() => {});
  let reads = 0;
  await waitForRollout(() => states[reads++], target, { sleep, intervalMs: 100 });
  assert.equal(reads, 3);
  assert.deepEqual(sleeps, [100, 100]);

  await assert.rejects(
    () =>
      waitForRollout(
        () =>
          Promise.resolve(deployment({
            observedGeneration: 2,
            conditions: [{ type: "Progressing", reason: "ProgressDeadlineExceeded" }],
          })),
        target,
        { sleep },
      ),
    /^Error: rollout of deployment n\/app failed: deployment "app" exceeded its progress deadline$/,
  );

  let slowReads = 0;
  await assert.rejects(
    () =>
      waitForRollout(
        () => {
          slowReads += 1;
          return Promise.resolve(deployment({ observedGeneration: 2, updatedReplicas: 0 }));
        },
        target,
        { sleep, timeoutMs: 1_000, intervalMs: 250 },
      ),
    /rollout of deployment n\/app not complete after 1 s: Waiting for deployment "app" rollout to finish: 0 out of 2 new replicas have been updated\.\.\./,
  );
  assert.equal(slowReads, 5, "reads at 0, 250, 500, 750 and 1000 ms");
});
