/**
 * Where provider-writes mode may write: only into a pod's CSI volume, laid out
 * as the kubelet lays it out, `<pods dir>/<pod uid>/volumes/kubernetes.io~csi/
 * <volume>/mount`, reached without any symbolic link below the pods
 * directory. Pods can plant symbolic links in their own volumes (an emptyDir
 * lives under the same pods directory), so a target path is checked as
 * resolved by the file system, not as written.
 *
 * @module
 */

/** The part of a target path below the pods directory. */
const LAYOUT =
  /^([A-Za-z0-9-]{1,64})\/volumes\/kubernetes\.io~csi\/([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?)\/mount$/;

/**
 * Why `targetPath` is not a CSI volume of the pod `podUid` under `podsDir`
 * (by its text alone), or `undefined` when it is. An empty `podUid` (a driver
 * that sent none) accepts any pod directory.
 *
 * @example
 * ```ts
 * targetPathLayoutProblem("/var/lib/kubelet/pods/u1/volumes/kubernetes.io~csi/v/mount",
 *   { podsDir: "/var/lib/kubelet/pods", podUid: "u1" }); // undefined
 * ```
 */
export function targetPathLayoutProblem(
  targetPath: string,
  options: { podsDir: string; podUid: string },
): string | undefined {
  const podsDir = options.podsDir.replace(/\/+$/, "");
  const layout = `${podsDir}/<pod uid>/volumes/kubernetes.io~csi/<volume>/mount`;
  if (!targetPath.startsWith(`${podsDir}/`)) return `it is not under ${layout}`;
  const match = LAYOUT.exec(targetPath.slice(podsDir.length + 1));
  if (match === null) return `it does not have the kubelet's layout ${layout}`;
  if (options.podUid !== "" && match[1] !== options.podUid) {
    return `it belongs to pod ${match[1]}, not to the mounting pod ${options.podUid}`;
  }
  return undefined;
}

/** The file-system call the check needs (swappable in unit tests). */
export interface RealPathFs {
  /** Resolves every symbolic link of `path`. */
  realPath(path: string): Promise<string>;
}

/**
 * Checks that `targetPath` has the kubelet's layout and contains no symbolic
 * link below `podsDir`.
 *
 * @throws {Error} with the reason.
 */
export async function confineTargetPath(
  targetPath: string,
  options: { podsDir: string; podUid: string; fs?: RealPathFs },
): Promise<void> {
  const problem = targetPathLayoutProblem(targetPath, options);
  if (problem !== undefined) throw new Error(problem);
  // Synchronous: two real-path lookups take microseconds, less than a trip
  // through the thread pool each.
  const fs = options.fs ?? { realPath: (path: string) => realPathNow(path) };
  const podsDir = options.podsDir.replace(/\/+$/, "");
  const [resolvedPods, resolvedTarget] = await Promise.all([
    fs.realPath(podsDir),
    fs.realPath(targetPath).catch((error) => {
      if (error instanceof Deno.errors.NotFound) throw new Error("it does not exist");
      throw error;
    }),
  ]);
  if (resolvedTarget !== `${resolvedPods}${targetPath.slice(podsDir.length)}`) {
    throw new Error("it goes through a symbolic link");
  }
}

function realPathNow(path: string): Promise<string> {
  try {
    return Promise.resolve(Deno.realPathSync(path));
  } catch (error) {
    return Promise.reject(error);
  }
}
