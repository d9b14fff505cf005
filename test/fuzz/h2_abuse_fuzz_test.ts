/**
 * Property: HTTP/2 abuse on the provider's socket — frames announcing more
 * than SETTINGS_MAX_FRAME_SIZE, partial frames left hanging, floods of tiny
 * frames, CONTINUATION floods, garbage, all over many connections at once and
 * in chunks of any size — against the real provider process:
 * (a) the process stays up;
 * (b) its RSS (read from `/proc/<pid>/status`, by `cat`, every 20 ms) rises by less
 *     than {@linkcode CASE_RISE_MIB} during a case, and stays under
 *     {@linkcode TOTAL_HEADROOM_MIB} above its RSS after warm-up;
 * (c) `/healthz` answers 200 within {@linkcode HEALTHZ_BOUND_MS}, during the
 *     attack and after it;
 * (d) a normal mount through a normal client, made while the attack runs,
 *     succeeds with the secret's value;
 * (e) a connection whose frame is too large, or whose header block has more
 *     CONTINUATION frames than the server takes, is closed at once.
 *
 * Each case is a real exchange with a process (up to about a second), so a
 * long run (`deno task fuzz`) makes at most {@linkcode LONG_RUN_CAP} cases.
 */

import * as fc from "fast-check";
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { MAX_CONTINUATIONS } from "../../src/server/h2_repair/mod.ts";
import { CLIENT_PREFACE, concatBytes, frame } from "../fakes/mod.ts";
import { PRIMARY_REGION, readMount, startStack, type TestProvider } from "../../devstack/mod.ts";
import { checkProperty, fuzzSettingsFromEnv } from "./fuzz_settings.ts";

/**
 * RSS one case may add. The repairs hold at most one header block per
 * connection (nine frames, 144 KiB), so 48 connections can make them hold
 * 7 MiB; measured (2 cores, Deno 2.9.6, 600 cases): at most 8.8 MiB per case,
 * Deno's HTTP/2 session state included. Buffering whole oversized frames, as
 * the reader did before it streamed, costs their payload per connection
 * (730 MiB for twenty 16 MB frames).
 */
const CASE_RISE_MIB = 24;
/**
 * RSS allowed above the warmed-up process (142–146 MiB) over a whole run.
 * Measured: +46 MiB after 300 cases (about 7,000 connections). The churn of
 * connections alone grows Deno's HTTP/2 stack this way and levels off (in a
 * separate run, 10,000 connections that only sent a preface and SETTINGS,
 * or a partial HEADERS frame, added 25 MiB; with PING floods, 55 MiB). 96 MiB
 * keeps the process near 240 MiB, clear of the chart's 320 MiB limit.
 */
const TOTAL_HEADROOM_MIB = 96;
/**
 * `/healthz` answer time allowed. Measured: 1–120 ms during attacks on a
 * quiet machine, up to 450 ms with the machine's load average at 10 (it
 * probes the socket with a Version call at most every 2 s); the time is taken
 * in this test process, which is busy writing the attack too. A blocked event
 * loop takes longer; the chart's liveness probe gives up after 5 s.
 */
const HEALTHZ_BOUND_MS = 2_000;
/** A normal mount during the attack must finish within this (usually 20–60 ms). */
const MOUNT_BOUND_MS = 5_000;
/** Most cases of a long run (each is a real exchange with the process). */
const LONG_RUN_CAP = 300;
/** At most this many writes per connection (keeps one-byte chunks of floods affordable). */
const MAX_WRITES = 2_000;

const SECRET_VALUE = "h2-abuse-fuzz-value-4711";
const SETTINGS = frame(0x4, 0, 0, new Uint8Array(0));
const TYPES = [0x0, 0x1, 0x2, 0x3, 0x4, 0x5, 0x6, 0x7, 0x8, 0x9, 0x0a, 0xff];

/** What one hostile connection sends (built into bytes by {@linkcode scriptBytes}). */
type Abuse =
  | { kind: "oversized"; type: number; length: number; payload: number }
  | { kind: "partial"; type: number; length: number; sent: number }
  | { kind: "tinyFlood"; count: number; types: number[] }
  | { kind: "continuations"; count: number; size: number; endHeaders: boolean }
  | { kind: "headerBlocks"; count: number; size: number; fill: number }
  | { kind: "goaways"; count: number }
  | { kind: "garbage"; bytes: Uint8Array; preface: boolean };

interface Script {
  abuse: Abuse;
  /** Write size. */
  chunk: number;
  /** Keep the connection open until the case ends (else end it after writing). */
  hold: boolean;
}

const abuse: fc.Arbitrary<Abuse> = fc.oneof(
  fc.record({
    kind: fc.constant("oversized" as const),
    type: fc.constantFrom(...TYPES),
    length: fc.oneof(fc.integer({ min: 16_385, max: 0xffffff }), fc.constant(0xffffff)),
    // Up to 4 MiB behind the header: what a reader that buffers would hold.
    payload: fc.integer({ min: 0, max: 4 * 1024 * 1024 }),
  }),
  fc.record({
    kind: fc.constant("partial" as const),
    type: fc.constantFrom(0x0, 0x1, 0x4, 0x6, 0x7, 0x9),
    length: fc.integer({ min: 1, max: 16_384 }),
    sent: fc.double({ min: 0, max: 0.999, noNaN: true }),
  }),
  fc.record({
    kind: fc.constant("tinyFlood" as const),
    count: fc.integer({ min: 1, max: 20_000 }),
    types: fc.array(fc.constantFrom(0x0, 0x2, 0x4, 0x6, 0x8, 0x0a, 0xff), {
      minLength: 1,
      maxLength: 4,
    }),
  }),
  fc.record({
    kind: fc.constant("continuations" as const),
    count: fc.integer({ min: 1, max: 40 }),
    size: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 16_384 })),
    endHeaders: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant("headerBlocks" as const),
    count: fc.integer({ min: 1, max: 20 }),
    size: fc.integer({ min: 1, max: 16_384 }),
    fill: fc.integer({ min: 0, max: 255 }),
  }),
  fc.record({ kind: fc.constant("goaways" as const), count: fc.integer({ min: 1, max: 200 }) }),
  fc.record({
    kind: fc.constant("garbage" as const),
    bytes: fc.uint8Array({ maxLength: 4096 }),
    preface: fc.boolean(),
  }),
);

const script: fc.Arbitrary<Script> = fc.record({
  abuse,
  chunk: fc.oneof(fc.constantFrom(1, 9, 10, 4096), fc.integer({ min: 1, max: 65_536 })),
  hold: fc.boolean(),
});

/** 24-bit frame length, any type, for headers whose length is a lie. */
function frameHeader(length: number, type: number, flags: number, streamId: number): Uint8Array {
  const header = frame(type, flags, streamId, new Uint8Array(0));
  header.set([(length >> 16) & 0xff, (length >> 8) & 0xff, length & 0xff], 0);
  return header;
}

function scriptBytes(abuse: Abuse): Uint8Array {
  const start = [CLIENT_PREFACE, SETTINGS];
  switch (abuse.kind) {
    case "oversized":
      return concatBytes([
        ...start,
        frameHeader(abuse.length, abuse.type, 0x4, 1),
        new Uint8Array(abuse.payload).fill(0x41),
      ]);
    case "partial": {
      const whole = frame(abuse.type, 0x4, 1, new Uint8Array(abuse.length).fill(0x82));
      return concatBytes([...start, whole.subarray(0, 9 + Math.floor(abuse.length * abuse.sent))]);
    }
    case "tinyFlood":
      return concatBytes([
        ...start,
        ...Array.from({ length: abuse.count }, (_, i) => {
          const type = abuse.types[i % abuse.types.length];
          return frame(
            type,
            0,
            type === 0x4 || type === 0x6 ? 0 : 1,
            new Uint8Array(type === 0x6 ? 8 : 0),
          );
        }),
      ]);
    case "continuations":
      return concatBytes([
        ...start,
        frame(0x1, 0x0, 1, new Uint8Array(abuse.size).fill(0x82)),
        ...Array.from({ length: abuse.count }, (_, i) =>
          frame(
            0x9,
            abuse.endHeaders && i === abuse.count - 1 ? 0x4 : 0,
            1,
            new Uint8Array(abuse.size).fill(0x82),
          )),
      ]);
    case "headerBlocks":
      return concatBytes([
        ...start,
        ...Array.from(
          { length: abuse.count },
          (_, i) => frame(0x1, 0x4, 2 * i + 1, new Uint8Array(abuse.size).fill(abuse.fill)),
        ),
      ]);
    case "goaways":
      return concatBytes([
        ...start,
        ...Array.from({ length: abuse.count }, () => frame(0x7, 0, 0, new Uint8Array(8))),
      ]);
    case "garbage":
      return concatBytes([...(abuse.preface ? start : []), abuse.bytes]);
  }
}

/** Whether the server must close this connection at once (property (e)). */
function mustClose(abuse: Abuse): boolean {
  return abuse.kind === "oversized" ||
    (abuse.kind === "continuations" && abuse.count > MAX_CONTINUATIONS);
}

/** A hostile connection: writes `bytes` (its script's), checks (e) for it. */
async function attack(
  socketPath: string,
  { abuse, chunk, hold }: Script,
  bytes: Uint8Array,
  until: Promise<void>,
) {
  const socket: Socket = connect(socketPath);
  socket.on("error", () => {});
  // Read (and discard) what the server sends: a paused socket never sees the close.
  socket.resume();
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  let closedByServer = false;
  closed.then(() => closedByServer = true);
  await Promise.race([new Promise((resolve) => socket.once("connect", resolve)), closed]);
  const size = Math.max(chunk, Math.ceil(bytes.length / MAX_WRITES));
  for (let offset = 0; offset < bytes.length && !socket.destroyed; offset += size) {
    if (!socket.write(bytes.subarray(offset, offset + size))) {
      await Promise.race([new Promise((resolve) => socket.once("drain", resolve)), closed]);
    }
  }
  if (mustClose(abuse)) {
    // Closed at once, seen here as soon as this busy process reads it; the
    // wait ends at the close.
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([closed, new Promise((resolve) => timer = setTimeout(resolve, 3_000))]);
    clearTimeout(timer);
    assert.ok(closedByServer, `the server kept a connection that sent ${JSON.stringify(abuse)}`);
  }
  if (hold) await Promise.race([until, closed]);
  socket.destroy();
}

/** RSS of `pid` (MiB), read by `cat` (Deno lets only --allow-all read another process's /proc). */
async function rssMiB(pid: number): Promise<number> {
  const { stdout } = await new Deno.Command("cat", {
    args: [`/proc/${pid}/status`],
    stdout: "piped",
  })
    .output();
  return Number(/VmRSS:\s+(\d+) kB/.exec(new TextDecoder().decode(stdout))![1]) / 1024;
}

async function healthz(provider: TestProvider): Promise<number> {
  const started = performance.now();
  const response = await fetch(`${provider.process.metricsUrl}/healthz`, {
    signal: AbortSignal.timeout(10_000),
  });
  await response.body?.cancel();
  assert.equal(response.status, 200, "/healthz");
  return performance.now() - started;
}

Deno.test({
  name: "HTTP/2 abuse on the socket: the provider stays up, bounded and serving",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using stack = await startStack();
    const { provider } = stack;
    await stack.seeder.createSecret(PRIMARY_REGION, "h2-abuse", SECRET_VALUE);
    const parameters = {
      region: PRIMARY_REGION,
      objects: "- {objectName: h2-abuse, objectType: secretsmanager}",
    };
    let exited: number | undefined;
    provider.process.exited.then((code) => exited = code);
    const mount = async (boundMs = Infinity) => {
      const targetPath = await provider.newTargetPath();
      const started = performance.now();
      const outcome = await provider.driver.mount({ targetPath, parameters });
      assert.ok(outcome.ok, `the normal mount failed: ${JSON.stringify(outcome)}`);
      const took = performance.now() - started;
      assert.ok(took < boundMs, `the normal mount took ${Math.round(took)} ms`);
      assert.equal((await readMount(targetPath))["h2-abuse"]?.text, SECRET_VALUE);
    };
    // Warm-up (no time bound): the first mounts load the AWS SDK and the Kubernetes client.
    for (let i = 0; i < 3; i++) await mount();
    await healthz(provider);
    const baseline = await rssMiB(provider.process.pid);
    let peak = baseline;
    let slowestHealthz = 0;
    let largestRise = 0;

    const env = fuzzSettingsFromEnv();
    const settings = env.runs === undefined
      ? env
      : { ...env, runs: Math.min(env.runs, LONG_RUN_CAP) };
    await checkProperty(
      "HTTP/2 abuse on the provider's socket",
      fc.asyncProperty(fc.array(script, { minLength: 1, maxLength: 48 }), async (scripts) => {
        const caseStart = await rssMiB(provider.process.pid);
        let casePeak = caseStart;
        let sampling = false;
        const sampler = setInterval(() => {
          if (exited !== undefined || sampling) return;
          sampling = true;
          rssMiB(provider.process.pid).then(
            (rss) => casePeak = Math.max(casePeak, rss),
            () => {},
          ).finally(() => sampling = false);
        }, 20);
        const done = Promise.withResolvers<void>();
        // Built before the clock starts: the test's own work must not count as the provider's.
        const bytes = scripts.map((one) => scriptBytes(one.abuse));
        try {
          // allSettled: a connection's failed check is reported below, never as an unhandled rejection.
          const attacks = Promise.allSettled(
            scripts.map((one, i) =>
              attack(provider.process.socketPath, one, bytes[i], done.promise)
            ),
          );
          // The normal client and the probe run while the hostile connections are open.
          await new Promise((resolve) => setTimeout(resolve, 10));
          await Promise.all([
            mount(MOUNT_BOUND_MS),
            healthz(provider).then((ms) => {
              slowestHealthz = Math.max(slowestHealthz, ms);
              assert.ok(ms < HEALTHZ_BOUND_MS, `/healthz took ${Math.round(ms)} ms`);
            }),
          ]);
          done.resolve();
          for (const outcome of await attacks) {
            if (outcome.status === "rejected") throw outcome.reason;
          }
          assert.equal(exited, undefined, `the provider exited with ${exited}`);
          const after = await healthz(provider);
          slowestHealthz = Math.max(slowestHealthz, after);
          assert.ok(after < HEALTHZ_BOUND_MS, `/healthz took ${Math.round(after)} ms after`);
          peak = Math.max(peak, casePeak);
          largestRise = Math.max(largestRise, casePeak - caseStart);
          assert.ok(
            casePeak - caseStart < CASE_RISE_MIB,
            `RSS rose by ${(casePeak - caseStart).toFixed(1)} MiB in one case`,
          );
          assert.ok(
            peak - baseline < TOTAL_HEADROOM_MIB,
            `RSS ${peak.toFixed(1)} MiB, ${(peak - baseline).toFixed(1)} MiB above warm-up`,
          );
        } finally {
          done.resolve();
          clearInterval(sampler);
        }
      }),
      { runs: 24, settings },
    );
    console.log(
      `h2 abuse: RSS ${baseline.toFixed(1)} MiB after warm-up, peak ${peak.toFixed(1)} MiB, ` +
        `largest rise in one case ${largestRise.toFixed(1)} MiB; slowest /healthz ${
          Math.round(slowestHealthz)
        } ms`,
    );
    assert.equal(await provider.stop(), 0);
  },
});
