/**
 * Turns a container of a rendered DaemonSet into a command on this machine,
 * changing only paths and hosts: every container path that a `hostPath`
 * volume backs becomes that host path under the node's root directory, and
 * `$(VAR)` references are expanded as the kubelet expands them. The driver
 * and the provider run with exactly the arguments the charts render,
 * relocated into a directory of the suite.
 *
 * @example
 * ```ts
 * const mounts = hostMounts(daemonSet, container, "/tmp/node");
 * relocate("--provider-volume=/var/run/secrets-store-csi-providers", mounts);
 * // "--provider-volume=/tmp/node/var/run/secrets-store-csi-providers"
 * ```
 *
 * @module
 */

import type { KubeObject } from "./kube_client.ts";

/** A container path and the path on this machine that stands in for it. */
export interface PathMapping {
  /** Path inside the container (no trailing slash). */
  containerPath: string;
  /** Path on this machine (no trailing slash). */
  hostPath: string;
}

/** A container of a pod template. */
// deno-lint-ignore no-explicit-any
export type Container = Record<string, any>;

/** The container named `name` of a DaemonSet's pod template. @throws {Error} when absent. */
export function daemonSetContainer(daemonSet: KubeObject, name: string): Container {
  const container = daemonSet.spec?.template?.spec?.containers?.find(
    (candidate: Container) => candidate.name === name,
  );
  if (!container) throw new Error(`no container ${name} in DaemonSet ${daemonSet.metadata.name}`);
  return container;
}

function trimSlash(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, "") : path;
}

/**
 * The container's `hostPath` mounts, relocated under `nodeRoot`: a mount of
 * host path `/var/lib/kubelet/pods` becomes `<nodeRoot>/var/lib/kubelet/pods`.
 * Mounts of other volume types are left out (nothing to relocate).
 */
export function hostMounts(
  daemonSet: KubeObject,
  container: Container,
  nodeRoot: string,
): PathMapping[] {
  const volumes = new Map<string, Container>(
    (daemonSet.spec?.template?.spec?.volumes ?? []).map((
      volume: Container,
    ) => [volume.name, volume]),
  );
  const mappings: PathMapping[] = [];
  for (const mount of container.volumeMounts ?? []) {
    const hostPath = volumes.get(mount.name)?.hostPath?.path;
    if (typeof hostPath !== "string") continue;
    mappings.push({
      containerPath: trimSlash(mount.mountPath),
      hostPath: `${trimSlash(nodeRoot)}${trimSlash(hostPath)}`,
    });
  }
  return mappings;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Replaces every container path of `mappings` in `text` where it stands as a
 * path: at the start, after `=`, `,`, `unix://` or `unix:`, and followed by
 * the end, `/` or `,`. Longer container paths win over their prefixes.
 */
export function relocate(text: string, mappings: PathMapping[]): string {
  const sorted = [...mappings].sort((a, b) => b.containerPath.length - a.containerPath.length);
  if (sorted.length === 0) return text;
  const byPath = new Map(sorted.map((mapping) => [mapping.containerPath, mapping.hostPath]));
  const pattern = new RegExp(
    `(^|[=,]|unix:\\/\\/|unix:)(${
      sorted.map((mapping) => escapeRegExp(mapping.containerPath)).join("|")
    })(?=$|[/,])`,
    "g",
  );
  return text.replace(
    pattern,
    (_match, before: string, path: string) => `${before}${byPath.get(path)}`,
  );
}

/**
 * The container's environment as the kubelet builds it: literal `value`s,
 * and `fieldRef`s from `fields` (e.g. `{ "spec.nodeName": "node-1" }`).
 *
 * @throws {Error} for a `valueFrom` the suite does not provide.
 */
export function containerEnvironment(
  container: Container,
  fields: Record<string, string>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const variable of container.env ?? []) {
    if (typeof variable.value === "string") {
      env[variable.name] = expandReferences(variable.value, env);
    } else if (variable.valueFrom?.fieldRef) {
      const path = variable.valueFrom.fieldRef.fieldPath;
      if (!(path in fields)) throw new Error(`no value for fieldRef ${path} of ${variable.name}`);
      env[variable.name] = fields[path];
    } else {
      throw new Error(`unsupported valueFrom of ${variable.name}`);
    }
  }
  return env;
}

/** Expands `$(NAME)` from `env` like the kubelet; `$$(NAME)` stays literal, unknown names stay. */
export function expandReferences(text: string, env: Record<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (match, name?: string) => {
    if (match === "$$") return "$";
    return name !== undefined && name in env ? env[name] : match;
  });
}

/**
 * Replaces `host` (`kubernetes.default.svc`, `0.0.0.0:8989`, …) by
 * `replacement` inside comma-separated lists and values.
 */
export function replaceHost(text: string, host: string, replacement: string): string {
  return text.replace(
    new RegExp(`(^|[=,])${escapeRegExp(host)}(?=$|,)`, "g"),
    (_match, before: string) => `${before}${replacement}`,
  );
}
