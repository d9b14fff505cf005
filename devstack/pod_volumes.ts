/**
 * Where the pod volumes of the dev stack and the benchmark live. Under the
 * real CSI driver every pod volume is a tmpfs the driver mounts before it
 * calls the provider, and the provider's writer relies on that: its file
 * calls are synchronous, microseconds each on a tmpfs. On a disk one such
 * call can stall for tens of milliseconds under write-back pressure and hold
 * the provider's event loop as long, a cost (and a failure of the hostile
 * suites' loop checks) that production never sees. So when the caller runs
 * as root on Linux with `mount` available, a tmpfs is mounted for the pod
 * volumes (and always unmounted at the end); otherwise it falls back to a
 * plain directory and says why.
 *
 * @module
 */

/** Mount a tmpfs (`on`: or throw), never (`off`), or when possible (`auto`). */
export type TmpfsMode = "auto" | "on" | "off";

/** Size limit of the tmpfs (pages are only used as files are written). */
export const TMPFS_SIZE = "1g";

/** Where pod volumes are created, and how. */
export interface PodVolumes {
  /** Directory under which the provider's stand-in kubelet pods directories are created. */
  dir: string;
  /** Whether a tmpfs was mounted at `dir` for these volumes. */
  tmpfsMounted: boolean;
  /** Why no tmpfs was mounted (when `tmpfsMounted` is false). */
  reason?: string;
  /** Unmounts the tmpfs and removes its mount point; safe to call twice. */
  release(): Promise<void>;
}

/** Runs a command; never throws (a missing binary is `ok: false`). */
async function run(command: string, args: string[]): Promise<{ ok: boolean; output: string }> {
  try {
    const result = await new Deno.Command(command, { args, stdout: "piped", stderr: "piped" })
      .output();
    const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes).trim();
    return {
      ok: result.success,
      output: [decode(result.stderr), decode(result.stdout)].filter(Boolean).join("; "),
    };
  } catch (error) {
    return { ok: false, output: (error as Error).message };
  }
}

/** Why a tmpfs cannot be mounted here, or `undefined` if it may be tried. */
function cannotMount(): string | undefined {
  if (Deno.build.os !== "linux") return `not Linux (${Deno.build.os})`;
  const uid = Deno.uid();
  if (uid !== 0) return `not root (uid ${uid})`;
  return undefined;
}

/**
 * Prepares the pod volume directory: with `mode` `auto` or `on`, a fresh
 * directory under `parent` with a tmpfs mounted on it (`auto` falls back to
 * `parent` itself when that is impossible; `on` throws).
 */
export async function preparePodVolumes(
  mode: TmpfsMode,
  parent: string,
  options: { prefix?: string; offReason?: string } = {},
): Promise<PodVolumes> {
  const plain = (reason: string): PodVolumes => ({
    dir: parent,
    tmpfsMounted: false,
    reason,
    release: () => Promise.resolve(),
  });
  if (mode === "off") return plain(options.offReason ?? "not asked to");
  const fail = (reason: string): PodVolumes => {
    if (mode === "on") throw new Error(`cannot mount a tmpfs for the pod volumes: ${reason}`);
    return plain(reason);
  };
  const why = cannotMount();
  if (why !== undefined) return fail(why);
  const dir = await Deno.makeTempDir({ dir: parent, prefix: options.prefix ?? "pod-volumes-" });
  const mounted = await run("mount", ["-t", "tmpfs", "-o", `size=${TMPFS_SIZE}`, "tmpfs", dir]);
  if (!mounted.ok) {
    await Deno.remove(dir).catch(() => {});
    return fail(`mount failed: ${mounted.output || "no output"}`);
  }
  let released: Promise<void> | undefined;
  return {
    dir,
    tmpfsMounted: true,
    release: () =>
      released ??= (async () => {
        let unmounted = await run("umount", [dir]);
        // Busy (a straggling process still has a file open): detach it now, freed when closed.
        if (!unmounted.ok) unmounted = await run("umount", ["-l", dir]);
        if (!unmounted.ok) {
          console.error(`could not unmount the tmpfs at ${dir}: ${unmounted.output}`);
          return;
        }
        await Deno.remove(dir).catch(() => {});
      })(),
  };
}
