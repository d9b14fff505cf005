/**
 * An in-memory stand-in of the API server and the node for the unit tests
 * of the modules that drive them (the kubectl stand-in, the install): it
 * stores what is applied or created, answers gets and label-selected lists,
 * and records the order of calls. Not for the suite: that uses the real API
 * server.
 *
 * @module
 */

import type { Cluster } from "./cluster.ts";
import type { KubeClient, KubeObject } from "./kube_client.ts";
import { objectPath, pathOf } from "./kube_client.ts";
import type { Kubelet } from "./kubelet.ts";

/** A fake client and what it saw. */
export interface FakeKube {
  /** The client. */
  client: KubeClient;
  /** Objects by path. */
  objects: Map<string, KubeObject>;
  /** `METHOD path` of each call, in order. */
  calls: string[];
}

/** A {@linkcode KubeClient} over a map; `onGet` may change what a get returns. */
export function fakeKube(
  onGet?: (path: string, object?: KubeObject) => KubeObject | undefined,
): FakeKube {
  const objects = new Map<string, KubeObject>();
  const calls: string[] = [];
  let uid = 0;
  const store = (object: KubeObject) => {
    const stored = structuredClone(object);
    stored.metadata.uid ??= `uid-${++uid}`;
    objects.set(pathOf(stored), stored);
    return structuredClone(stored);
  };
  const client: KubeClient = {
    server: "https://fake",
    get(path) {
      calls.push(`GET ${path}`);
      const object = objects.get(path);
      return Promise.resolve(onGet ? onGet(path, object) : object);
    },
    list(path, query = {}) {
      calls.push(`LIST ${path}`);
      const [key, value] = query.labelSelector?.split("=") ?? [];
      return Promise.resolve(
        [...objects.entries()]
          .filter(([objectPathKey]) => objectPathKey.startsWith(`${path}/`))
          .map(([, object]) => object)
          .filter((object) => !key || object.metadata.labels?.[key] === value),
      );
    },
    create(object) {
      calls.push(`POST ${pathOf(object)}`);
      return Promise.resolve(store(object));
    },
    apply(object) {
      calls.push(`APPLY ${pathOf(object)}`);
      return Promise.resolve(store(object));
    },
    mergePatch(path) {
      calls.push(`PATCH ${path}`);
      return Promise.resolve(objects.get(path.replace(/\/status$/, ""))!);
    },
    delete(path) {
      calls.push(`DELETE ${path}`);
      return Promise.resolve(objects.delete(path));
    },
    requestToken() {
      return Promise.resolve({ token: "t", expirationTimestamp: "2026-01-01T00:00:00Z" });
    },
    raw: () => Promise.resolve({ status: 200, text: "ok" }),
    close() {},
  };
  return { client, objects, calls };
}

/** Options of {@linkcode fakeCluster}. */
export interface FakeClusterOptions {
  /** The node's pods directory (files of a pod's volume are read from under it). */
  podsDir: string;
  /** `podLogs` answers. */
  logs?: Record<string, { current: string[]; previous?: string[] }>;
}

/** A {@linkcode Cluster} of which only the API, the kubelet's paths and pod starts are real. */
export function fakeCluster(kube: FakeKube, options: FakeClusterOptions): Cluster {
  const started: string[] = [];
  const kubelet = {
    targetPath: (pod: KubeObject, volume: string) =>
      `${options.podsDir}/${pod.metadata.uid}/volumes/kubernetes.io~csi/${volume}/mount`,
    runPod(pod: KubeObject) {
      started.push(pod.metadata.name);
      return Promise.resolve();
    },
  } as unknown as Kubelet;
  return {
    kube: kube.client,
    nodeName: "node-1",
    kubelet: () => kubelet,
    podLogs(namespace: string, name: string, logOptions: { previous?: boolean } = {}) {
      const entry = options.logs?.[`${namespace}/${name}`];
      return logOptions.previous ? entry?.previous : entry?.current;
    },
  } as unknown as Cluster;
}

/** The path of a pod, for tests. */
export function podPath(namespace: string, name: string): string {
  return objectPath({ kind: "Pod", namespace, name });
}
