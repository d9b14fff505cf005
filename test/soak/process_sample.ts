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

async function output(command: string, args: string[]): Promise<string> {
  const result = await new Deno.Command(command, { args, stdout: "piped", stderr: "piped" })
    .output();
  if (!result.success) {
    throw new Error(`${command} ${args.join(" ")}: ${new TextDecoder().decode(result.stderr)}`);
  }
  return new TextDecoder().decode(result.stdout);
}

/**
 * Reads `VmRSS` and the open descriptors of `pid`. Deno lets only `--allow-all`
 * read another process's `/proc` entries, so `cat` and `ls` do it.
 */
export async function sampleProcess(pid: number): Promise<ProcessSample> {
  const status = await output("cat", [`/proc/${pid}/status`]);
  const rssKiB = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1]);
  if (!Number.isFinite(rssKiB)) throw new Error(`no VmRSS in /proc/${pid}/status`);
  // `ls -l` shows each descriptor as `N -> target`; sockets point to `socket:[inode]`.
  const targets = (await output("ls", ["-l", `/proc/${pid}/fd`])).split("\n")
    .filter((line) => line.includes(" -> "));
  const sockets = targets.filter((line) => line.includes(" -> socket:")).length;
  return {
    rssMiB: rssKiB / 1024,
    fds: targets.length,
    sockets,
    otherFds: targets.length - sockets,
  };
}
