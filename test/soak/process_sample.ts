/**
 * Resource samples of a Linux process from `/proc`: resident memory and open
 * file descriptors (sockets counted apart, since idle keep-alive connections
 * come and go while a leak of files or pipes only grows).
 *
 * @module
 */

/** One sample of a process. */
export interface ProcessSample {
  /** `VmRSS` in MiB. */
  rssMiB: number;
  /** Open file descriptors. */
  fds: number;
  /** Of which sockets. */
  sockets: number;
  /** Of which anything else (files, pipes, eventfds, ...). */
  otherFds: number;
}

/**
 * Counts the descriptors in `ls -l /proc/<pid>/fd` output: each is a line
 * `... N -> target`, and sockets point to `socket:[inode]`.
 */
export function countDescriptors(listing: string): { fds: number; sockets: number } {
  const targets = listing.split("\n").filter((line) => line.includes(" -> "));
  return {
    fds: targets.length,
    sockets: targets.filter((line) => line.includes(" -> socket:")).length,
  };
}

/**
 * True when every line of `ls`'s complaints is about a descriptor of `pid`
 * that was closed between `ls` listing the directory and reading the link:
 * the process closed it, so leaving it out is the right count. Anything else
 * (the process gone, no permission) is an error.
 */
export function onlyVanishedDescriptors(stderr: string, pid: number): boolean {
  const vanished = new RegExp(
    `^(?:\\S*/)?ls: cannot (?:access|read symbolic link) '/proc/${pid}/fd/\\d+': No such file or directory$`,
  );
  const lines = stderr.split("\n").filter((line) => line !== "");
  return lines.length > 0 && lines.every((line) => vanished.test(line));
}

const decoder = new TextDecoder();

async function run(command: string, args: string[]) {
  // The C locale keeps `ls`'s complaints in the words matched above.
  const result = await new Deno.Command(command, {
    args,
    env: { LC_ALL: "C" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    success: result.success,
    stdout: decoder.decode(result.stdout),
    stderr: decoder.decode(result.stderr),
  };
}

function failure(command: string, args: string[], stderr: string): Error {
  return new Error(`${command} ${args.join(" ")}: ${stderr}`);
}

/**
 * Reads `VmRSS` and the open descriptors of `pid`. Deno lets only `--allow-all`
 * read another process's `/proc` entries, so `cat` and `ls` do it.
 */
export async function sampleProcess(pid: number): Promise<ProcessSample> {
  const statusArgs = [`/proc/${pid}/status`];
  const status = await run("cat", statusArgs);
  if (!status.success) throw failure("cat", statusArgs, status.stderr);
  const rssKiB = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status.stdout)?.[1]);
  if (!Number.isFinite(rssKiB)) throw new Error(`no VmRSS in /proc/${pid}/status`);
  const fdArgs = ["-l", `/proc/${pid}/fd`];
  const listing = await run("ls", fdArgs);
  // A busy process closes descriptors while `ls` reads them; ls then exits 1
  // but still lists the rest.
  if (!listing.success && !onlyVanishedDescriptors(listing.stderr, pid)) {
    throw failure("ls", fdArgs, listing.stderr);
  }
  const { fds, sockets } = countDescriptors(listing.stdout);
  return { rssMiB: rssKiB / 1024, fds, sockets, otherFds: fds - sockets };
}
