/**
 * Files of a mount on the node's file system (provider-writes mode): written
 * atomically into the pod's volume (`atomic_writer.ts`, with the calls of
 * `writer_fs.ts`: synchronous on a tmpfs, on a thread while they are slow), only into a CSI
 * volume of the mounting pod with no symbolic link on the way
 * (`target_path.ts`), and only with paths the system can hold
 * (`full_path.ts`); with a selector in the class, files that no longer match
 * are removed (`prune_mount.ts`).
 *
 * @module
 */

export * from "./atomic_writer.ts";
export * from "./full_path.ts";
export * from "./mount_file.ts";
export * from "./prune_mount.ts";
export * from "./target_path.ts";
export * from "./writer_fs.ts";
