/**
 * CPU profiling of the provider process. Deno 2.9.6 has no `--cpu-prof`
 * flag; the provider is started with `--inspect=127.0.0.1:0` and profiled
 * through the Chrome DevTools protocol (`Profiler.start` / `Profiler.stop`)
 * over the inspector's WebSocket. The result is a standard `.cpuprofile`
 * (open it in Chrome DevTools → Performance, or speedscope), summarized here
 * by self time per function and per module.
 *
 * @module
 */

/** A V8 CPU profile (`Profiler.Profile`). */
export interface CpuProfile {
  /** Call tree nodes. */
  nodes: {
    id: number;
    callFrame: {
      functionName: string;
      url: string;
      lineNumber: number;
      columnNumber: number;
      scriptId?: string;
    };
    hitCount?: number;
    children?: number[];
  }[];
  /** Start, µs. */
  startTime: number;
  /** End, µs. */
  endTime: number;
  /** Node id of each sample. */
  samples: number[];
  /** µs between samples. */
  timeDeltas: number[];
}

/** A DevTools protocol session over the inspector WebSocket. */
export interface InspectorSession {
  /** Sends a command and waits for its result. */
  send<T = unknown>(method: string, params?: Record<string, unknown>): Promise<T>;
  /** Closes the WebSocket. */
  close(): Promise<void>;
}

/** Connects to a Deno inspector (`ws://127.0.0.1:PORT/UUID`). */
export async function connectInspector(url: string): Promise<InspectorSession> {
  const socket = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    socket.onopen = () => resolve();
    socket.onerror = (event) =>
      reject(new Error(`inspector ${url}: ${(event as ErrorEvent).message ?? "error"}`));
  });
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  socket.onmessage = (event) => {
    const message = JSON.parse(String(event.data));
    if (typeof message.id !== "number") return; // an event
    const waiter = pending.get(message.id);
    if (waiter === undefined) return;
    pending.delete(message.id);
    if (message.error) waiter.reject(new Error(`${message.error.message} (${message.error.code})`));
    else waiter.resolve(message.result);
  };
  const closed = new Promise<void>((resolve) => {
    socket.onclose = () => {
      for (const waiter of pending.values()) waiter.reject(new Error("inspector closed"));
      pending.clear();
      resolve();
    };
  });
  return {
    send<T>(method: string, params: Record<string, unknown> = {}) {
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        socket.send(JSON.stringify({ id, method, params }));
      });
    },
    async close() {
      if (socket.readyState === WebSocket.OPEN) socket.close();
      await closed;
    },
  };
}

/** A running profile. */
export interface Profiling {
  /** Stops the profiler and returns the profile. */
  stop(): Promise<CpuProfile>;
  /** Closes the session. */
  close(): Promise<void>;
}

/** Starts sampling every `intervalUs` µs. */
export async function startProfiling(url: string, intervalUs = 100): Promise<Profiling> {
  const session = await connectInspector(url);
  await session.send("Profiler.enable");
  await session.send("Profiler.setSamplingInterval", { interval: intervalUs });
  await session.send("Profiler.start");
  return {
    async stop() {
      const { profile } = await session.send<{ profile: CpuProfile }>("Profiler.stop");
      await session.send("Profiler.disable");
      return profile;
    },
    close: () => session.close(),
  };
}

/** One function's (or module's) share of the samples. */
export interface ProfileEntry {
  /** Function name (`(anonymous)` when V8 has none). */
  function: string;
  /** Where: repo-relative path, `npm:<package>/<file>`, `ext:` or `node:` internals, with line. */
  location: string;
  /** Self time, ms. */
  selfMs: number;
  /** Self time as a share of the non-idle time, %. */
  selfPercent: number;
  /** Self time per mount, ms. */
  selfMsPerMount: number;
  /** The most frequent caller chains (innermost first), with their share of the self time. */
  callers: { stack: string; selfMs: number }[];
}

/** Time by module (file or package). */
export interface ModuleEntry {
  /** Module: repo path, npm package, or V8/Deno internals. */
  module: string;
  /** Self time, ms. */
  selfMs: number;
  /** Share of the non-idle time, %. */
  selfPercent: number;
}

/** Time by area of the provider (file writing, YAML, AWS SDK, gRPC, ...). */
export interface AreaEntry {
  /** Area. */
  area: string;
  /** Self time of the samples attributed to it, ms. */
  selfMs: number;
  /** Share of the non-idle time, %. */
  selfPercent: number;
  /** Per mount, ms. */
  selfMsPerMount: number;
}

/**
 * Areas, tried on each sample's stack from the innermost frame out: the
 * first frame matching a rule decides (a file-system op called by the
 * writer counts as writing files, an env read by the YAML parser as YAML).
 */
export const AREA_RULES: { area: string; location: RegExp }[] = [
  { area: "writing files (src/files)", location: /^src\/files\// },
  {
    area: "parsing objects (src/config, src/gocompat)",
    location: /^src\/(config|gocompat)\//,
  },
  { area: "jmesPath", location: /^src\/fetch\/jmes\// },
  { area: "logging (src/log)", location: /^src\/log\// },
  {
    area: "AWS SDK and its HTTP client",
    location:
      /^(npm:@aws-sdk\/|npm:@smithy\/|npm:@aws-crypto\/|src\/aws\/|node:_http|ext:deno_node\/(_http_|http\.ts|inspector_network_bridge))/,
  },
  {
    area: "gRPC server (node:http2, src/server)",
    location: /^(ext:deno_node\/(http2|internal\/http2)|src\/server\/)/,
  },
  { area: "identity (src/identity)", location: /^src\/identity\// },
  { area: "mount pipeline (src/mount, src/fetch)", location: /^src\/(mount|fetch|cache)\// },
];

/** Inclusive time of a provider function (its own code and all it calls). */
export interface InclusiveEntry {
  /** Function. */
  function: string;
  /** Location. */
  location: string;
  /** Time with callees, ms (recursion counted once). */
  totalMs: number;
  /** Per mount, ms. */
  totalMsPerMount: number;
}

/** What a profile says. */
export interface ProfileSummary {
  /** Mounts during the profile. */
  mounts: number;
  /** Sampling interval, µs. */
  samplingIntervalUs: number;
  /** Samples taken. */
  samples: number;
  /** Profile duration, ms. */
  durationMs: number;
  /** Idle (waiting on I/O), ms. */
  idleMs: number;
  /** Non-idle JavaScript thread time (JS, GC, native `(program)`), ms. */
  busyMs: number;
  /** Non-idle time per mount, ms. */
  busyMsPerMount: number;
  /** Garbage collection, ms. */
  gcMs: number;
  /** `(program)`: native code outside JavaScript (Deno ops, parsing, compiling), ms. */
  programMs: number;
  /** Top functions by self time. */
  topSelf: ProfileEntry[];
  /** Non-idle time by area (see {@linkcode AREA_RULES}). */
  byArea: AreaEntry[];
  /** Time by module. */
  byModule: ModuleEntry[];
  /** Provider (`src/`) functions by inclusive time. */
  topInclusive: InclusiveEntry[];
}

/** Summarizes a profile: self time by function and module, inclusive time of `src/` functions. */
export function summarizeProfile(
  profile: CpuProfile,
  options: { mounts: number; repoRoot: string; samplingIntervalUs: number; top?: number },
): ProfileSummary {
  const top = options.top ?? 25;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  // Sample i lasts until the next one (DevTools' convention); the last one
  // gets the mean interval. The time before the first sample is not counted.
  const sampledUs = profile.timeDeltas.slice(1).reduce((sum, delta) => sum + delta, 0);
  const mean = profile.samples.length > 1 ? sampledUs / (profile.samples.length - 1) : 0;
  const sampleUs = (i: number) => profile.timeDeltas[i + 1] ?? mean;
  const durationUs = sampledUs + mean;
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + sampleUs(i)));

  let idle = 0;
  let gc = 0;
  let program = 0;
  const functions = new Map<string, { fn: string; location: string; us: number }>();
  const modules = new Map<string, number>();
  for (const [id, us] of self) {
    const frame = byId.get(id)!.callFrame;
    const name = frame.functionName || "(anonymous)";
    if (name === "(idle)") {
      idle += us;
      continue;
    }
    if (name === "(garbage collector)") gc += us;
    if (name === "(program)") program += us;
    const location = describeLocation(frame, options.repoRoot);
    const key = `${name}@${location}`;
    const entry = functions.get(key) ?? { fn: name, location, us: 0 };
    entry.us += us;
    functions.set(key, entry);
    const module = moduleOf(frame, options.repoRoot, name);
    modules.set(module, (modules.get(module) ?? 0) + us);
  }
  const busy = durationUs - idle;
  const frameName = (id: number) => {
    const frame = byId.get(id)!.callFrame;
    const name = frame.functionName || "(anonymous)";
    return `${name} (${describeLocation(frame, options.repoRoot)})`;
  };
  const callersOf = (key: string) => {
    const stacks = new Map<string, number>();
    profile.samples.forEach((id, i) => {
      const frame = byId.get(id)!.callFrame;
      const location = describeLocation(frame, options.repoRoot);
      if (`${frame.functionName || "(anonymous)"}@${location}` !== key) return;
      const chain: string[] = [];
      for (
        let node = parent.get(id);
        node !== undefined && chain.length < 6;
        node = parent.get(node)
      ) {
        const name = byId.get(node)!.callFrame.functionName;
        if (name === "(root)") break;
        chain.push(frameName(node));
      }
      const stack = chain.join(" < ") || "(root)";
      stacks.set(stack, (stacks.get(stack) ?? 0) + sampleUs(i));
    });
    return [...stacks.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3)
      .map(([stack, us]) => ({ stack, selfMs: ms(us) }));
  };
  const ms = (us: number) => Math.round(us / 10) / 100;
  const pct = (us: number) => Math.round((us / Math.max(busy, 1)) * 1000) / 10;
  const perMount = (us: number) =>
    Math.round((us / 1000 / Math.max(options.mounts, 1)) * 1000) / 1000;

  // Areas: the innermost frame matching a rule decides.
  const areas = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const leaf = byId.get(id)!.callFrame.functionName;
    if (leaf === "(idle)") return;
    let area: string | undefined;
    for (let node: number | undefined = id; node !== undefined; node = parent.get(node)) {
      const location = describeLocation(byId.get(node)!.callFrame, options.repoRoot);
      area = AREA_RULES.find((rule) => rule.location.test(location))?.area;
      if (area !== undefined) break;
    }
    area ??= leaf === "(garbage collector)"
      ? "garbage collection"
      : leaf === "(program)"
      ? "native, outside JavaScript ((program))"
      : "other (event loop, streams, timers, async plumbing)";
    areas.set(area, (areas.get(area) ?? 0) + sampleUs(i));
  });

  // Inclusive time of provider functions: each sample counts once per function on its stack.
  const inclusive = new Map<string, { fn: string; location: string; us: number }>();
  profile.samples.forEach((id, i) => {
    const seen = new Set<string>();
    for (let node: number | undefined = id; node !== undefined; node = parent.get(node)) {
      const frame = byId.get(node)!.callFrame;
      if (!frame.url.startsWith(`file://${options.repoRoot}/src/`)) continue;
      const name = frame.functionName || "(anonymous)";
      const location = describeLocation(frame, options.repoRoot);
      const key = `${name}@${location}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const entry = inclusive.get(key) ?? { fn: name, location, us: 0 };
      entry.us += sampleUs(i);
      inclusive.set(key, entry);
    }
  });

  return {
    mounts: options.mounts,
    samplingIntervalUs: options.samplingIntervalUs,
    samples: profile.samples.length,
    durationMs: ms(durationUs),
    idleMs: ms(idle),
    busyMs: ms(busy),
    busyMsPerMount: perMount(busy),
    gcMs: ms(gc),
    programMs: ms(program),
    topSelf: [...functions.values()].sort((a, b) => b.us - a.us).slice(0, top).map((entry) => ({
      function: entry.fn,
      location: entry.location,
      selfMs: ms(entry.us),
      selfPercent: pct(entry.us),
      selfMsPerMount: perMount(entry.us),
      callers: callersOf(`${entry.fn}@${entry.location}`),
    })),
    byArea: [...areas.entries()].sort((a, b) => b[1] - a[1]).map(([area, us]) => ({
      area,
      selfMs: ms(us),
      selfPercent: pct(us),
      selfMsPerMount: perMount(us),
    })),
    byModule: [...modules.entries()].sort((a, b) => b[1] - a[1]).slice(0, top).map((
      [module, us],
    ) => ({ module, selfMs: ms(us), selfPercent: pct(us) })),
    topInclusive: [...inclusive.values()].sort((a, b) => b.us - a.us).slice(0, top).map((
      entry,
    ) => ({
      function: entry.fn,
      location: entry.location,
      totalMs: ms(entry.us),
      totalMsPerMount: perMount(entry.us),
    })),
  };
}

/** A short location: `src/x.ts:12`, `npm:@smithy/core/dist-cjs/index.js:40`, `node:http:3`. */
export function describeLocation(
  frame: { url: string; lineNumber: number },
  repoRoot: string,
): string {
  const path = shortPath(frame.url, repoRoot);
  if (path === "") return "(native)";
  return `${path}:${frame.lineNumber + 1}`;
}

function shortPath(url: string, repoRoot: string): string {
  if (url === "") return "";
  if (url.startsWith(`file://${repoRoot}/`)) return url.slice(`file://${repoRoot}/`.length);
  const npm = /\/registry\.npmjs\.org\/((?:@[^/]+\/)?[^/]+)\/[^/]+\/(.*)$/.exec(url);
  if (npm) return `npm:${npm[1]}/${npm[2]}`;
  const nodeModules =
    /\/node_modules\/(?:\.deno\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)\/(.*)$/
      .exec(url);
  if (nodeModules) return `npm:${nodeModules[1]}/${nodeModules[2]}`;
  return url.replace(/^file:\/\//, "");
}

function moduleOf(frame: { url: string }, repoRoot: string, name: string): string {
  const path = shortPath(frame.url, repoRoot);
  if (path === "") return name.startsWith("(") ? name : "(native)";
  const npm = /^npm:((?:@[^/]+\/)?[^/]+)\//.exec(path);
  if (npm) return `npm:${npm[1]}`;
  return path;
}
