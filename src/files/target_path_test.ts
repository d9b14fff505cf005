import assert from "node:assert/strict";
import { confineTargetPath, targetPathLayoutProblem } from "./target_path.ts";

const PODS = "/var/lib/kubelet/pods";
const UID = "0f5c4b8e-3f35-4a8d-9d3b-8c1e2f3a4b5c";
const TARGET = `${PODS}/${UID}/volumes/kubernetes.io~csi/secrets-store-inline/mount`;

Deno.test("the kubelet's CSI volume layout of the mounting pod is accepted", () => {
  assert.equal(targetPathLayoutProblem(TARGET, { podsDir: PODS, podUid: UID }), undefined);
  assert.equal(targetPathLayoutProblem(TARGET, { podsDir: `${PODS}/`, podUid: "" }), undefined);
});

Deno.test("paths outside the pods directory or off the layout are refused", () => {
  const layout = `${PODS}/<pod uid>/volumes/kubernetes.io~csi/<volume>/mount`;
  const cases: [string, string][] = [
    ["/etc/secrets", `it is not under ${layout}`],
    [`${PODS}x/${UID}/volumes/kubernetes.io~csi/v/mount`, `it is not under ${layout}`],
    [
      `${PODS}/${UID}/volumes/kubernetes.io~empty-dir/v/mount`,
      `it does not have the kubelet's layout ${layout}`,
    ],
    [
      `${PODS}/${UID}/volumes/kubernetes.io~csi/v/mount/x`,
      `it does not have the kubelet's layout ${layout}`,
    ],
    [
      `${PODS}/${UID}/volumes/kubernetes.io~csi/V/mount`,
      `it does not have the kubelet's layout ${layout}`,
    ],
    [
      `${PODS}/${UID}/volumes/kubernetes.io~csi//mount`,
      `it does not have the kubelet's layout ${layout}`,
    ],
    [
      `${PODS}/a/b/volumes/kubernetes.io~csi/v/mount`,
      `it does not have the kubelet's layout ${layout}`,
    ],
  ];
  for (const [path, problem] of cases) {
    assert.equal(targetPathLayoutProblem(path, { podsDir: PODS, podUid: "" }), problem, path);
  }
});

Deno.test("another pod's volume is refused when the request names the pod", () => {
  assert.equal(
    targetPathLayoutProblem(TARGET, { podsDir: PODS, podUid: "other-uid" }),
    `it belongs to pod ${UID}, not to the mounting pod other-uid`,
  );
});

Deno.test("on a real file system: a symbolic link anywhere below the pods directory is refused", async () => {
  const pods = await Deno.makeTempDir({ prefix: "pods-" });
  try {
    const real = `${pods}/${UID}/volumes/kubernetes.io~csi/v/mount`;
    await Deno.mkdir(real, { recursive: true });
    await confineTargetPath(real, { podsDir: pods, podUid: UID });
    // A pod plants a link to its own emptyDir, which points elsewhere.
    const elsewhere = await Deno.makeTempDir({ prefix: "elsewhere-" });
    await Deno.mkdir(`${elsewhere}/volumes/kubernetes.io~csi/v/mount`, { recursive: true });
    await Deno.symlink(elsewhere, `${pods}/linked-pod`);
    await assert.rejects(
      () =>
        confineTargetPath(`${pods}/linked-pod/volumes/kubernetes.io~csi/v/mount`, {
          podsDir: pods,
          podUid: "",
        }),
      { message: "it goes through a symbolic link" },
    );
    await Deno.remove(`${real}`);
    await Deno.symlink(`${elsewhere}/volumes/kubernetes.io~csi/v/mount`, real);
    await assert.rejects(() => confineTargetPath(real, { podsDir: pods, podUid: UID }), {
      message: "it goes through a symbolic link",
    });
    await Deno.remove(elsewhere, { recursive: true });
  } finally {
    await Deno.remove(pods, { recursive: true });
  }
});

Deno.test("a missing target path is refused, and a symbolic link above the pods directory is fine", async () => {
  const base = await Deno.makeTempDir({ prefix: "kubelet-" });
  try {
    await Deno.mkdir(`${base}/real-pods/${UID}/volumes/kubernetes.io~csi/v/mount`, {
      recursive: true,
    });
    await Deno.symlink(`${base}/real-pods`, `${base}/pods`);
    await confineTargetPath(`${base}/pods/${UID}/volumes/kubernetes.io~csi/v/mount`, {
      podsDir: `${base}/pods`,
      podUid: UID,
    });
    await assert.rejects(
      () =>
        confineTargetPath(`${base}/pods/${UID}/volumes/kubernetes.io~csi/gone/mount`, {
          podsDir: `${base}/pods`,
          podUid: UID,
        }),
      { message: "it does not exist" },
    );
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});
