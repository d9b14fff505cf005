import * as fc from "fast-check";
import assert from "node:assert/strict";
import {
  byteByByte,
  concatBytes,
  encodeHeaderBlock,
  exchangeFrames,
  frame,
  grpcRequestHeaders,
  hex,
  pushInChunks,
  seededSizes,
  splitFrames,
  VERSION_REQUEST_MESSAGE,
  whole,
} from "../../../test/fakes/mod.ts";
import { authorityRewrite, MAX_CONTINUATIONS } from "./authority_rewrite.ts";
import {
  CLIENT_PREFACE,
  ClientFrameReader,
  DEFAULT_MAX_FRAME_SIZE,
  type FrameRepair,
  Http2StreamError,
} from "./frame_reader.ts";
import { defaultRepairs } from "./repaired_socket.ts";
import { startEchoServer } from "./testdata/echo_server.ts";
import { STREAMS } from "./testdata/go_client_streams.ts";

const SETTINGS = frame(0x4, 0, 0, new Uint8Array(0));
const PING = frame(0x6, 0, 0, new Uint8Array(8));
const SOCKET = "/var/run/secrets-store-csi-providers/aws.sock";

/** A stream with every kind of frame the repairs care about, hostile shapes included. */
function mixedStream(): Uint8Array {
  const block = encodeHeaderBlock(
    grpcRequestHeaders("/v1alpha1.CSIDriverProvider/Version", SOCKET),
  );
  return concatBytes([
    CLIENT_PREFACE,
    SETTINGS,
    frame(0x1, 0x4, 1, block), // HEADERS, END_HEADERS: rewritten
    frame(0x0, 0x1, 1, VERSION_REQUEST_MESSAGE), // DATA
    frame(0x7, 0, 0, new Uint8Array(8)), // GOAWAY: dropped
    frame(0x1, 0x0, 3, block.subarray(0, 10)), // HEADERS without END_HEADERS
    frame(0x9, 0x0, 3, new Uint8Array(0)), // an empty CONTINUATION
    frame(0x9, 0x4, 3, block.subarray(10)), // CONTINUATION, END_HEADERS
    frame(0x0, 0x0, 3, new Uint8Array(0)), // an empty DATA
    frame(0x0, 0x1, 3, new Uint8Array(DEFAULT_MAX_FRAME_SIZE)), // a full-size DATA
    PING,
  ]);
}

function readAll(stream: Uint8Array, sizes: Parameters<typeof pushInChunks>[2]): Uint8Array {
  const reader = new ClientFrameReader(defaultRepairs());
  return pushInChunks((chunk) => reader.push(chunk), stream, sizes);
}

Deno.test("every stream split at every byte boundary gives the bytes of the unsplit stream", async (t) => {
  const streams = { ...Object.fromEntries(Object.entries(STREAMS).map(([k, v]) => [k, hex(v)])) };
  for (const [name, stream] of Object.entries({ ...streams, mixed: mixedStream() })) {
    await t.step(name, () => {
      const expected = readAll(stream, whole);
      assert.deepEqual(readAll(stream, byteByByte), expected);
      // Cut in two at every offset: every frame header and payload, split everywhere.
      // (The 16 KiB DATA frame of the mixed stream is cut every 97 bytes to keep this quick.)
      for (
        let cut = 1;
        cut < stream.length;
        cut += cut < 300 || cut > stream.length - 300 ? 1 : 97
      ) {
        const reader = new ClientFrameReader(defaultRepairs());
        const out = concatBytes([
          ...reader.push(stream.subarray(0, cut)),
          ...reader.push(stream.subarray(cut)),
        ]);
        assert.deepEqual(out, expected, `${name} cut at ${cut}`);
      }
    });
  }
});

Deno.test("the repaired mixed stream is the input without GOAWAY and with localhost", () => {
  const out = readAll(mixedStream(), seededSizes(11, 50));
  const frames = splitFrames(out.subarray(CLIENT_PREFACE.length));
  assert.deepEqual(frames.map((f) => [f.type, f.flags, f.streamId]), [
    [0x4, 0, 0],
    [0x1, 0x4, 1],
    [0x0, 0x1, 1],
    [0x1, 0x4, 3], // HEADERS and its CONTINUATIONs joined, rewritten
    [0x0, 0x0, 3],
    [0x0, 0x1, 3],
    [0x6, 0, 0],
  ]);
});

Deno.test("DATA is forwarded as its bytes arrive, as slices of the chunks received", () => {
  const reader = new ClientFrameReader(defaultRepairs());
  reader.push(concatBytes([CLIENT_PREFACE, SETTINGS]));
  const data = frame(0x0, 0x1, 1, new Uint8Array(DEFAULT_MAX_FRAME_SIZE).fill(7));
  const first = data.slice(0, 1009);
  const out = reader.push(first);
  assert.deepEqual(out.map((part) => part.length), [1009]);
  assert.equal(out[0].buffer, first.buffer, "no copy");
  assert.equal(reader.pendingBytes, 0);
  const rest = data.slice(1009);
  const more = reader.push(rest);
  assert.equal(more[0].buffer, rest.buffer);
  assert.deepEqual(concatBytes([...out, ...more]), data);
});

Deno.test("a run of passing frames inside one chunk leaves as one slice of it", () => {
  const reader = new ClientFrameReader(defaultRepairs());
  reader.push(concatBytes([CLIENT_PREFACE, SETTINGS]));
  // A flood of 50,000 tiny frames: PING, empty DATA, SETTINGS, WINDOW_UPDATE.
  const flood = concatBytes(Array.from({ length: 50_000 }, (_, i) =>
    [
      PING,
      frame(0x0, 0, 1, new Uint8Array(0)),
      SETTINGS,
      frame(0x8, 0, 0, new Uint8Array(4)),
    ][i % 4]));
  const out = reader.push(flood);
  assert.equal(out.length, 1);
  assert.equal(out[0].buffer, flood.buffer);
  assert.equal(out[0].length, flood.length);
  assert.equal(reader.pendingBytes, 0);
});

Deno.test("a flood of tiny frames one byte at a time holds at most one frame header", () => {
  const reader = new ClientFrameReader(defaultRepairs());
  const flood = concatBytes([
    CLIENT_PREFACE,
    ...Array.from({ length: 2_000 }, (_, i) => i % 2 ? PING : frame(0x0, 0, 1, new Uint8Array(1))),
  ]);
  let most = 0;
  const out = pushInChunks(
    (chunk) => {
      const parts = reader.push(chunk);
      most = Math.max(most, reader.pendingBytes);
      return parts;
    },
    flood,
    byteByByte,
  );
  assert.deepEqual(out, flood);
  assert.equal(most, CLIENT_PREFACE.length - 1); // the preface; after it, at most 8 header bytes
});

Deno.test("a frame longer than SETTINGS_MAX_FRAME_SIZE is refused from its header alone", async (t) => {
  for (
    const [name, type] of [["DATA", 0x0], ["HEADERS", 0x1], ["GOAWAY", 0x7], ["PING", 0x6]] as const
  ) {
    await t.step(name, () => {
      const reader = new ClientFrameReader(defaultRepairs());
      reader.push(CLIENT_PREFACE);
      const header = frame(type, 0, 1, new Uint8Array(0));
      header.set([0x00, 0x40, 0x01], 0); // 16385
      assert.deepEqual(reader.push(header.subarray(0, 8)), []);
      assert.throws(
        () => reader.push(header.subarray(8)),
        new Http2StreamError("frame of 16385 bytes exceeds SETTINGS_MAX_FRAME_SIZE 16384"),
      );
    });
  }
  await t.step("a 16 MiB announcement, with payload bytes behind it", () => {
    const reader = new ClientFrameReader(defaultRepairs());
    const header = new Uint8Array([0xff, 0xff, 0xff, 0x0, 0, 0, 0, 0, 1]);
    assert.throws(
      () => reader.push(concatBytes([CLIENT_PREFACE, header, new Uint8Array(65_536)])),
      Http2StreamError,
    );
  });
  await t.step("exactly SETTINGS_MAX_FRAME_SIZE passes", () => {
    const data = frame(0x0, 0, 1, new Uint8Array(DEFAULT_MAX_FRAME_SIZE));
    assert.deepEqual(readAll(concatBytes([CLIENT_PREFACE, data]), whole).length, 24 + data.length);
  });
  await t.step("a larger SETTINGS_MAX_FRAME_SIZE is honoured", () => {
    const reader = new ClientFrameReader([], { maxFrameSize: 65_536 });
    const data = frame(0x0, 0, 1, new Uint8Array(65_536));
    assert.equal(concatBytes(reader.push(concatBytes([CLIENT_PREFACE, data]))).length, 24 + 65_545);
  });
});

Deno.test("bytes that do not start with the client preface are refused", () => {
  const reader = new ClientFrameReader(defaultRepairs());
  assert.throws(
    () => reader.push(new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n")),
    new Http2StreamError("the connection does not start with the HTTP/2 preface"),
  );
});

Deno.test("partial frames hold at most one frame's bytes, and only for frames a repair collects", async (t) => {
  const start = concatBytes([CLIENT_PREFACE, SETTINGS]);
  await t.step("a partial DATA frame holds nothing", () => {
    const reader = new ClientFrameReader(defaultRepairs());
    reader.push(start);
    reader.push(frame(0x0, 0, 1, new Uint8Array(16_000)).subarray(0, 10_000));
    assert.equal(reader.pendingBytes, 0);
  });
  await t.step("a partial frame header holds its bytes", () => {
    const reader = new ClientFrameReader(defaultRepairs());
    reader.push(start);
    reader.push(PING.subarray(0, 5));
    assert.equal(reader.pendingBytes, 5);
  });
  await t.step("a partial HEADERS frame holds what arrived of it", () => {
    const reader = new ClientFrameReader(defaultRepairs());
    reader.push(start);
    assert.deepEqual(
      reader.push(frame(0x1, 0x4, 1, new Uint8Array(16_384)).subarray(0, 9_000)),
      [],
    );
    assert.equal(reader.pendingBytes, 9_000);
  });
});

Deno.test("the first repair that claims a frame owns it; a throwing repair ends the stream", () => {
  const seen: string[] = [];
  const repair = (name: string, type: number): FrameRepair => ({
    heldBytes: 0,
    route: (header) => {
      seen.push(`${name}:${header.type}`);
      if (header.type === 0x3) throw new Http2StreamError("no RST_STREAM here");
      return header.type === type ? "drop" : "pass";
    },
    collected: () => [],
  });
  const reader = new ClientFrameReader([repair("a", 0x6), repair("b", 0x6)]);
  assert.deepEqual(
    concatBytes(reader.push(concatBytes([CLIENT_PREFACE, PING, SETTINGS]))),
    concatBytes([CLIENT_PREFACE, SETTINGS]),
  );
  assert.deepEqual(seen, ["a:6", "a:4", "b:4"]);
  assert.throws(() => reader.push(frame(0x3, 0, 1, new Uint8Array(4))), Http2StreamError);
});

Deno.test("the server announces no SETTINGS_MAX_FRAME_SIZE and refuses a larger frame itself", async () => {
  // Our limit must be the server's: we may refuse only what it would refuse.
  await using server = await startEchoServer({ repairs: "unrepaired" });
  const oversized = frame(0x0, 0, 1, new Uint8Array(DEFAULT_MAX_FRAME_SIZE + 1));
  const { frames, closed } = await exchangeFrames(
    server.socketPath,
    concatBytes([CLIENT_PREFACE, SETTINGS, oversized]),
  );
  const settings = frames.filter((f) => f.type === 0x4 && (f.flags & 0x1) === 0);
  assert.equal(settings.length, 1);
  const ids = Array.from(
    { length: settings[0].payload.length / 6 },
    (_, i) => (settings[0].payload[6 * i] << 8) | settings[0].payload[6 * i + 1],
  );
  assert.ok(!ids.includes(0x5), `SETTINGS_MAX_FRAME_SIZE announced: ${ids}`);
  const goaway = frames.find((f) => f.type === 0x7);
  assert.equal(goaway?.payload[7], 0x6, "GOAWAY FRAME_SIZE_ERROR");
  assert.equal(closed, true);
});

Deno.test("with the repairs, the server's answer to an oversized frame is a closed connection", async () => {
  await using server = await startEchoServer();
  const header = new Uint8Array([0xff, 0xff, 0xff, 0x0, 0, 0, 0, 0, 1]); // 16 MiB DATA
  const { closed } = await exchangeFrames(
    server.socketPath,
    concatBytes([CLIENT_PREFACE, SETTINGS, header, new Uint8Array(100)]),
  );
  assert.equal(closed, true);
});

Deno.test("a header block at the CONTINUATION limit holds at most nine frames", () => {
  const repair = authorityRewrite();
  const reader = new ClientFrameReader([repair]);
  reader.push(CLIENT_PREFACE);
  const fragment = new Uint8Array(DEFAULT_MAX_FRAME_SIZE).fill(0x82); // indexed :method GET
  let most = 0;
  reader.push(frame(0x1, 0, 1, fragment));
  for (let i = 0; i < MAX_CONTINUATIONS - 1; i++) {
    assert.deepEqual(reader.push(frame(0x9, 0, 1, fragment)), []);
    most = Math.max(most, reader.pendingBytes);
  }
  assert.equal(most, MAX_CONTINUATIONS * (9 + DEFAULT_MAX_FRAME_SIZE));
  const last = reader.push(frame(0x9, 0x4, 1, fragment));
  assert.equal(last.length, MAX_CONTINUATIONS + 1);
  assert.equal(reader.pendingBytes, 0);
});

Deno.test("property: any frames, cut anywhere, give what the whole stream gives, within the bound", () => {
  // Bytes a connection can make the default repairs hold: a header block of
  // nine frames (HEADERS and eight CONTINUATIONs), the last still arriving.
  const bound = (MAX_CONTINUATIONS + 1) * (9 + DEFAULT_MAX_FRAME_SIZE);
  const block = (authority: string) =>
    encodeHeaderBlock(grpcRequestHeaders("/v1alpha1.CSIDriverProvider/Version", authority));
  const anyFrame = fc.oneof(
    fc.integer({ min: 0, max: 3000 }).map((n) => frame(0x0, 0, 1, new Uint8Array(n).fill(3))),
    fc.constant(PING),
    fc.constant(SETTINGS),
    fc.constant(frame(0x7, 0, 0, new Uint8Array(8))),
    fc.tuple(fc.constantFrom(SOCKET, "localhost", "/x"), fc.integer({ min: 0, max: 10 }))
      .map(([authority, continuations]) => {
        const bytes = block(authority);
        const size = Math.ceil(bytes.length / (continuations + 1));
        return concatBytes(Array.from({ length: continuations + 1 }, (_, i) =>
          frame(
            i === 0 ? 0x1 : 0x9,
            i === continuations ? 0x4 : 0,
            1,
            bytes.subarray(i * size, (i + 1) * size),
          )));
      }),
    fc.integer({ min: 1, max: 16_384 }).map((n) => frame(0x9, 0, 1, new Uint8Array(n).fill(0x82)) // CONTINUATION without HEADERS, or a flood
    ),
    fc.integer({ min: 16_385, max: 0xffffff }).map((n) =>
      new Uint8Array([n >> 16, (n >> 8) & 0xff, n & 0xff, 0, 0, 0, 0, 0, 1])
    ),
    fc.uint8Array({ maxLength: 64 }),
  );
  const run = (stream: Uint8Array, cuts: number[]) => {
    const reader = new ClientFrameReader(defaultRepairs());
    const out: Uint8Array[] = [];
    let most = 0;
    let start = 0;
    try {
      for (const end of [...cuts, stream.length]) {
        out.push(...reader.push(stream.subarray(start, end)));
        most = Math.max(most, reader.pendingBytes);
        start = end;
      }
    } catch (error) {
      assert.ok(error instanceof Http2StreamError, String(error));
      return { failed: true, out: concatBytes(out), most };
    }
    return { failed: false, out: concatBytes(out), most };
  };
  fc.assert(
    fc.property(
      fc.array(anyFrame, { maxLength: 24 }),
      fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 }),
      (frames, fractions) => {
        const stream = concatBytes([CLIENT_PREFACE, SETTINGS, ...frames]);
        const cuts = fractions.map((f) => Math.floor(f * stream.length)).sort((a, b) => a - b);
        const whole = run(stream, []);
        const split = run(stream, cuts);
        assert.equal(split.failed, whole.failed);
        // Output before a failure may stop at a different frame; with none it is the same.
        if (!whole.failed) assert.deepEqual(split.out, whole.out);
        assert.ok(split.most <= bound, `held ${split.most} bytes`);
        assert.ok(whole.most <= bound, `held ${whole.most} bytes`);
      },
    ),
    { numRuns: 300, seed: 20240601 },
  );
});
