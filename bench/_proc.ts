/**
 * Process and machine facts from Linux `/proc`: CPU time and memory of the
 * provider process, and what machine the benchmark ran on.
 *
 * @module
 */

/** CPU time used by a process so far, in ms. */
export interface CpuTime {
  /** User time, ms. */
  userMs: number;
  /** System time, ms. */
  systemMs: number;
  /** User + system, ms. */
  totalMs: number;
}

/** Memory of a process, in KiB, from `/proc/<pid>/status`. */
export interface MemoryKiB {
  /** Resident set size now (`VmRSS`). */
  rss: number;
  /** Peak resident set size (`VmHWM`, resettable with {@linkcode resetPeakRss}). */
  hwm: number;
}

/** The machine the benchmark ran on. */
export interface MachineInfo {
  /** CPU model from `/proc/cpuinfo`. */
  cpuModel: string;
  /** Logical CPUs. */
  cores: number;
  /** Total memory, MiB. */
  memoryMiB: number;
  /** Operating system and kernel. */
  os: string;
  /** Deno, V8 and TypeScript versions. */
  deno: { deno: string; v8: string; typescript: string };
  /** moto's version. */
  motoVersion: string;
  /** 1, 5 and 15 minute load averages when the run started (other work on the machine skews results). */
  loadAverage: number[];
  /** Load averages when the run ended. */
  loadAverageAtEnd?: number[];
}

let clockTicks: number | undefined;

/** `getconf CLK_TCK`: the unit of the CPU times in `/proc/<pid>/stat` (usually 100). */
export async function clockTicksPerSecond(): Promise<number> {
  if (clockTicks !== undefined) return clockTicks;
  const output = await new Deno.Command("getconf", { args: ["CLK_TCK"], stdout: "piped" }).output();
  const value = Number(new TextDecoder().decode(output.stdout).trim());
  if (!output.success || !(value > 0)) throw new Error("getconf CLK_TCK failed");
  clockTicks = value;
  return value;
}

/** `utime` and `stime` of a process, from `/proc/<pid>/stat` (fields 14 and 15). */
export async function readCpuTime(pid: number): Promise<CpuTime> {
  const ticks = await clockTicksPerSecond();
  const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
  // The command name (field 2) may contain spaces: split after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  const userMs = (utime * 1000) / ticks;
  const systemMs = (stime * 1000) / ticks;
  return { userMs, systemMs, totalMs: userMs + systemMs };
}

/** `VmRSS` and `VmHWM` of a process. */
export async function readMemory(pid: number): Promise<MemoryKiB> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  const field = (name: string) => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status);
    if (match === null) throw new Error(`no ${name} in /proc/${pid}/status`);
    return Number(match[1]);
  };
  return { rss: field("VmRSS"), hwm: field("VmHWM") };
}

/**
 * Resets `VmHWM` to the current RSS (`echo 5 > /proc/<pid>/clear_refs`, Linux
 * 4.0+); returns false when the kernel or permissions do not allow it.
 */
export async function resetPeakRss(pid: number): Promise<boolean> {
  try {
    await Deno.writeTextFile(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}

/** CPU model, cores, memory, OS and Deno versions of this machine. */
export async function machineInfo(motoVersion = ""): Promise<MachineInfo> {
  const cpuinfo = await Deno.readTextFile("/proc/cpuinfo").catch(() => "");
  const meminfo = await Deno.readTextFile("/proc/meminfo").catch(() => "");
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? "unknown";
  const memKiB = Number(/^MemTotal:\s+(\d+) kB/m.exec(meminfo)?.[1] ?? NaN);
  const release = await Deno.readTextFile("/proc/sys/kernel/osrelease").catch(() => "");
  return {
    cpuModel: model,
    cores: navigator.hardwareConcurrency,
    memoryMiB: Math.round(memKiB / 1024),
    os: `${Deno.build.os} ${release.trim()} ${Deno.build.arch}`,
    deno: { ...Deno.version },
    motoVersion,
    loadAverage: Deno.loadavg(),
  };
}
