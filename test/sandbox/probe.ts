/**
 * The sandbox probe: run by `sandbox_test.ts` with exactly the provider's
 * production permission flags, it tries everything the provider must not be
 * able to do (and the few things it must) and prints one JSON object: for
 * each attempt, whether it worked, and the error's name and message if not.
 *
 * Every network attempt targets loopback or is refused by a permission check
 * before any I/O, so nothing leaves the machine even if a check were missing.
 *
 * Usage: `deno run <production flags> test/sandbox/probe.ts '<ProbeConfig JSON>'`
 *
 * @module
 */

import { homedir } from "node:os";

/** What the probe is told about its surroundings. */
export interface ProbeConfig {
  /** Stands in for `--provider-volume`. */
  providerVolume: string;
  /** Stands in for the kubelet's pods directory. */
  mountRoot: string;
  /** The driver's .proto file: only test clients read it, the provider may not. */
  protoFile: string;
  /** A file of the repository's `src/` (not readable). */
  repoFile: string;
  /** A temporary directory outside every allowed path, holding `secret.txt` and `module.js`. */
  outsideDir: string;
  /** A symbolic link inside the provider volume pointing to `<outsideDir>/secret.txt`. */
  symlinkInVolume: string;
  /** Port of the allowed loopback listener (127.0.0.1). */
  allowedPort: number;
  /** Port of another loopback listener (not allowed). */
  otherPort: number;
  /** A Unix socket someone listens on, outside the provider volume. */
  otherUnixSocket: string;
  /** A Unix socket someone listens on, inside the provider volume but not `aws.sock`. */
  neighbourUnixSocket: string;
  /** The test's process id (signalled with the harmless SIGCONT). */
  parentPid: number;
}

/** The outcome of one attempt. */
export interface ProbeResult {
  /** The attempt worked. */
  ok: boolean;
  /** What it returned (short), when it worked. */
  value?: string;
  /** Error class name (`NotCapable` for a permission refusal), when it failed. */
  error?: string;
  /** Error message, when it failed. */
  message?: string;
}

const results: Record<string, ProbeResult> = {};

async function attempt(name: string, action: () => unknown): Promise<void> {
  try {
    const value = await action();
    results[name] = {
      ok: true,
      value: value === undefined ? "undefined" : String(value).slice(0, 200),
    };
  } catch (error) {
    results[name] = {
      ok: false,
      error: (error as Error)?.name ?? typeof error,
      message: String((error as Error)?.message ?? error).slice(0, 300),
    };
  }
}

async function connectAndRead(
  options: Deno.ConnectOptions | Deno.UnixConnectOptions,
): Promise<string> {
  using connection = "path" in options
    ? await Deno.connect(options)
    : await Deno.connect(options as Deno.ConnectOptions);
  const buffer = new Uint8Array(64);
  const read = await connection.read(buffer);
  return new TextDecoder().decode(buffer.subarray(0, read ?? 0));
}

async function run(config: ProbeConfig): Promise<void> {
  const { providerVolume, mountRoot, outsideDir } = config;

  // Files: reading.
  await attempt("read /etc/hostname", () => Deno.readTextFile("/etc/hostname"));
  await attempt("read /proc/self/environ", () => Deno.readTextFile("/proc/self/environ"));
  await attempt("read a file outside", () => Deno.readTextFile(`${outsideDir}/secret.txt`));
  await attempt("list a directory outside", () => Array.from(Deno.readDirSync(outsideDir)).length);
  await attempt("stat a file outside", () => Deno.statSync(`${outsideDir}/secret.txt`).size);
  await attempt("read the repository's src/", () => Deno.readTextFile(config.repoFile));
  await attempt("import a module outside", () => import(`file://${outsideDir}/module.js`));
  await attempt(
    "read proto/",
    () => Deno.readTextFile(config.protoFile).then((text) => text.length),
  );
  await attempt(
    "read through a symlink in the volume",
    () => Deno.readTextFile(config.symlinkInVolume),
  );

  // Files: writing.
  await attempt("write a file outside", () => Deno.writeTextFile(`${outsideDir}/new.txt`, "x"));
  await attempt(
    "write into the repository",
    () => Deno.writeTextFile(`${config.repoFile}.probe`, "x"),
  );
  await attempt(
    "write next to the volume (../)",
    () => Deno.writeTextFile(`${providerVolume}/../escape.txt`, "x"),
  );
  await attempt(
    "write next to the mount root (../)",
    () => Deno.writeTextFile(`${mountRoot}/../escape.txt`, "x"),
  );
  await attempt("make a directory outside", () => Deno.mkdir(`${outsideDir}/dir`));
  await attempt("remove a file outside", () => Deno.remove(`${outsideDir}/secret.txt`));
  await attempt("chmod a file outside", () => Deno.chmod(`${outsideDir}/secret.txt`, 0o777));
  await attempt(
    "symlink from the mount root to outside",
    () => Deno.symlink(outsideDir, `${mountRoot}/link-out`),
  );
  await attempt("write under the mount root", async () => {
    const dir = `${mountRoot}/pod-uid/volumes/kubernetes.io~csi/secrets/mount`;
    await Deno.mkdir(dir, { recursive: true });
    await Deno.writeTextFile(`${dir}/db-password`, "written");
    return await Deno.readTextFile(`${dir}/db-password`);
  });

  // Network.
  await attempt("listen on <volume>/aws.sock and connect to it", async () => {
    const path = `${providerVolume}/aws.sock`;
    await Deno.remove(path).catch(() => {});
    using listener = Deno.listen({ transport: "unix", path });
    const accepted = listener.accept().then((connection) => {
      connection.write(new TextEncoder().encode("aws.sock"));
      return connection;
    });
    const greeting = await connectAndRead({ transport: "unix", path });
    (await accepted).close();
    return greeting;
  });
  await attempt("listen on another socket in the volume", () => {
    using _listener = Deno.listen({ transport: "unix", path: `${providerVolume}/other.sock` });
  });
  await attempt(
    "connect to another socket in the volume",
    () => connectAndRead({ transport: "unix", path: config.neighbourUnixSocket }),
  );
  await attempt(
    "connect to a Unix socket outside",
    () => connectAndRead({ transport: "unix", path: config.otherUnixSocket }),
  );
  await attempt(
    "connect to the allowed host:port",
    () => connectAndRead({ hostname: "127.0.0.1", port: config.allowedPort }),
  );
  await attempt(
    "connect to another port on 127.0.0.1",
    () => connectAndRead({ hostname: "127.0.0.1", port: config.otherPort }),
  );
  await attempt(
    "connect to 127.0.0.2",
    () => connectAndRead({ hostname: "127.0.0.2", port: config.allowedPort }),
  );
  await attempt(
    "connect to localhost (not the allowed name)",
    () => connectAndRead({ hostname: "localhost", port: config.allowedPort }),
  );
  await attempt(
    "connect to [::1]",
    () => connectAndRead({ hostname: "::1", port: config.allowedPort }),
  );
  await attempt(
    "fetch from another port",
    () => fetch(`http://127.0.0.1:${config.otherPort}/`).then((response) => response.status),
  );
  await attempt(
    "resolve DNS through 127.0.0.2",
    () => Deno.resolveDns("example.com", "A", { nameServer: { ipAddr: "127.0.0.2", port: 53 } }),
  );
  await attempt("listen on 127.0.0.1", () => {
    using _listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  });
  await attempt("listen on 0.0.0.0, another port", () => {
    using _listener = Deno.listen({ hostname: "0.0.0.0", port: config.otherPort + 1 });
  });
  await attempt("listen on [::], another port", () => {
    using _listener = Deno.listen({ hostname: "::", port: config.otherPort + 1 });
  });
  await attempt("listen on 0.0.0.0:8989 (metrics)", () => {
    using _listener = Deno.listen({ hostname: "0.0.0.0", port: 8989 });
  });
  await attempt("listen on [::]:8989 (metrics, dual stack)", () => {
    using _listener = Deno.listen({ hostname: "::", port: 8989 });
  });

  // Processes, signals, FFI.
  // Each child would leave a file in outsideDir, which the test checks for.
  await attempt(
    "run a subprocess",
    () => new Deno.Command("touch", { args: [`${outsideDir}/touched-by-command`] }).output(),
  );
  await attempt(
    "run deno itself",
    () => new Deno.Command(Deno.execPath(), { args: ["--version"] }).output(),
  );
  await attempt("run through node:child_process", async () => {
    const { spawnSync } = await import("node:child_process");
    const child = spawnSync("touch", [`${outsideDir}/touched-by-node`]);
    // Deno's node:child_process reports a refused spawn as a failed run, without an error.
    if (child.status !== 0) throw new Error(`the child did not run (status ${child.status})`);
    return child.status;
  });
  await attempt("signal another process", () => Deno.kill(config.parentPid, "SIGCONT"));
  await attempt("load a library (FFI)", () => Deno.dlopen("libc.so.6", {}));

  // System information.
  await attempt("sys hostname", () => Deno.hostname());
  await attempt("sys networkInterfaces", () => Deno.networkInterfaces().length);
  await attempt("sys loadavg", () => Deno.loadavg());
  await attempt("sys systemMemoryInfo", () => Deno.systemMemoryInfo().total);
  await attempt("sys osUptime", () => Deno.osUptime());
  await attempt("sys gid", () => Deno.gid());
  await attempt("sys osRelease", () => Deno.osRelease());
  await attempt("sys uid", () => Deno.uid());
  await attempt("sys homedir", () => homedir());

  // Environment.
  for (const name of ["AWS_REGION", "KUBERNETES_SERVICE_HOST", "HOME", "PATH", "SANDBOX_CANARY"]) {
    await attempt(`env ${name}`, () => Deno.env.get(name));
  }
  await attempt("env names", () => Object.keys(Deno.env.toObject()).sort().join(","));
}

await run(JSON.parse(Deno.args[0]) as ProbeConfig);
console.log(JSON.stringify(results));
