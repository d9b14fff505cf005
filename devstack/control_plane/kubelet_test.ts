import assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import {
  asGrpcGoSees,
  codeName,
  isFinalError,
  isMountPoint,
  podInfoAttributes,
  removeMountDir,
  targetPathOf,
  tokensAttribute,
  volumeHandle,
} from "./kubelet.ts";

Deno.test("the kubelet keeps the target for the five codes an operation may still run under", () => {
  for (
    const code of [
      grpc.status.CANCELLED,
      grpc.status.DEADLINE_EXCEEDED,
      grpc.status.UNAVAILABLE,
      grpc.status.RESOURCE_EXHAUSTED,
      grpc.status.ABORTED,
    ]
  ) {
    assert.equal(isFinalError(code), false, codeName(code));
  }
  for (
    const code of [grpc.status.UNKNOWN, grpc.status.INTERNAL, grpc.status.INVALID_ARGUMENT]
  ) {
    assert.equal(isFinalError(code), true, codeName(code));
  }
});

Deno.test("gRPC codes are named as grpc-go prints them", () => {
  assert.equal(codeName(grpc.status.UNKNOWN), "Unknown");
  assert.equal(codeName(grpc.status.DEADLINE_EXCEEDED), "DeadlineExceeded");
  assert.equal(codeName(grpc.status.CANCELLED), "Canceled");
  assert.equal(codeName(grpc.status.RESOURCE_EXHAUSTED), "ResourceExhausted");
});

Deno.test("the volume handle is csi- and the SHA-256 of pod UID and volume name", async () => {
  // printf '%s' "<uid>secrets-store-inline" | sha256sum
  assert.equal(
    await volumeHandle("0f6f2a1e-5a3b-4d2c-9a51-1c2d3e4f5a6b", "secrets-store-inline"),
    "csi-49c27244549aba85c8067fcc0fa6764318a0ef65a73c072e58ad3e01a9ed165e",
  );
});

Deno.test("the target path follows the kubelet's pods layout", () => {
  assert.equal(
    targetPathOf("/n/var/lib/kubelet/pods", "uid-1", "secrets"),
    "/n/var/lib/kubelet/pods/uid-1/volumes/kubernetes.io~csi/secrets/mount",
  );
});

Deno.test("pod information attributes carry name, namespace, UID, service account and ephemeral", () => {
  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", namespace: "ns", uid: "u" },
    spec: { serviceAccountName: "sa" },
  };
  assert.deepEqual(podInfoAttributes(pod), {
    "csi.storage.k8s.io/pod.name": "p",
    "csi.storage.k8s.io/pod.namespace": "ns",
    "csi.storage.k8s.io/pod.uid": "u",
    "csi.storage.k8s.io/serviceAccount.name": "sa",
    "csi.storage.k8s.io/ephemeral": "true",
  });
});

Deno.test("the tokens attribute is Go's JSON of the audience map: keys sorted, token first", () => {
  assert.equal(
    tokensAttribute({
      "sts.amazonaws.com": { expirationTimestamp: "2026-01-01T00:00:00Z", token: "b" },
      "pods.eks.amazonaws.com": { token: "a", expirationTimestamp: "2026-01-01T00:00:00Z" },
    }),
    '{"pods.eks.amazonaws.com":{"token":"a","expirationTimestamp":"2026-01-01T00:00:00Z"},' +
      '"sts.amazonaws.com":{"token":"b","expirationTimestamp":"2026-01-01T00:00:00Z"}}',
  );
});

Deno.test("removeMountDir removes an unmounted target, its vol_data.json and the volume directory", async () => {
  const root = await Deno.makeTempDir();
  try {
    const target = `${root}/volumes/kubernetes.io~csi/v/mount`;
    await Deno.mkdir(target, { recursive: true });
    await Deno.writeTextFile(`${root}/volumes/kubernetes.io~csi/v/vol_data.json`, "{}");
    assert.equal(await isMountPoint(target), false);
    await removeMountDir(target);
    assert.deepEqual([...Deno.readDirSync(`${root}/volumes/kubernetes.io~csi`)], []);
    await removeMountDir(target); // already gone: nothing to do
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("removeMountDir refuses a target with files in it, as os.Remove does", async () => {
  const root = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${root}/v/mount`, { recursive: true });
    await Deno.writeTextFile(`${root}/v/mount/left`, "x");
    await assert.rejects(removeMountDir(`${root}/v/mount`));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a CANCEL reset at or after the deadline reads as grpc-go's DeadlineExceeded", () => {
  const reset = { code: grpc.status.CANCELLED, details: "Call cancelled" };
  assert.deepEqual(asGrpcGoSees(reset, { deadline: 1_000, now: 1_000 }), {
    code: grpc.status.DEADLINE_EXCEEDED,
    details: "stream terminated by RST_STREAM with error code: CANCEL",
  });
  assert.equal(
    codeName(asGrpcGoSees(reset, { deadline: 1_000, now: 1_003 }).code),
    "DeadlineExceeded",
  );
  // Before the deadline a reset is a cancellation, as in grpc-go.
  assert.deepEqual(asGrpcGoSees(reset, { deadline: 1_000, now: 999 }), reset);
  // A status the server sent keeps its code, whenever it came.
  const sent = { code: grpc.status.CANCELLED, details: "context canceled" };
  assert.deepEqual(asGrpcGoSees(sent, { deadline: 1_000, now: 2_000 }), sent);
  const unknown = { code: grpc.status.UNKNOWN, details: "Call cancelled" };
  assert.deepEqual(asGrpcGoSees(unknown, { deadline: 1_000, now: 2_000 }), unknown);
});
