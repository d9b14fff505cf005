/**
 * Property: whole mounts (the real pipeline over in-memory stores and a real
 * directory tree) with fuzzed attributes, objects, permissions, path
 * translation, JMESPath and secret contents, in both write modes:
 * (a) they succeed or fail with a MountError, within a time bound;
 * (b) every file returned or written stays inside the mount, passes the
 *     path rules, and nothing outside the mount changes;
 * (c) neither the gRPC status the driver would get nor any log line — the
 *     mount's own line included, written by the server's code
 *     (`finishMount`) — holds a secret value or a token.
 */

import * as fc from "fast-check";
import assert from "node:assert/strict";
import { filePathProblem } from "../../src/config/mod.ts";
import { MountError, type MountErrorCode } from "../../src/mount/mount_error.ts";
import { type MountResult, type MountSummary, runMount } from "../../src/mount/mount_pipeline.ts";
import { finishMount } from "../../src/server/mount_outcome.ts";
import { checkProperty, timedAsync } from "./fuzz_settings.ts";
import { createFuzzTree, type FuzzTree, walkTree } from "./fuzz_tree.ts";
import { type FuzzWorld, fuzzWorld, worldDependencies, worldMarkers } from "./mount_world.ts";
import {
  type FuzzRequest,
  fuzzRequest,
  renderAttributes,
  renderSecrets,
} from "./request_arbitraries.ts";

const CODES = new Set<MountErrorCode>([
  "InvalidRequest",
  "TokenError",
  "RegionError",
  "CredentialError",
  "InvalidObjects",
  "FetchError",
  "WriteError",
  "LimitExceeded",
  "Cancelled",
  "Internal",
]);
const TEMP_FILE = /(^|\/)\.[^/]*\.tmp-[^/]*$/;

/** What went wrong, without the value itself. */
function leakIn(text: string, secrets: string[]): string | undefined {
  const found = secrets.find((secret) => text.includes(secret));
  return found === undefined ? undefined : `${found.slice(0, 4)}… (${found.length} chars)`;
}

/** Runs one fuzzed mount in a new mount directory; true when it succeeded. */
async function checkMount(
  tree: FuzzTree,
  world: FuzzWorld,
  request: FuzzRequest,
  driverWritesSecrets: boolean,
): Promise<boolean> {
  const targetPath = await tree.newMount({ symlinkOutside: world.symlinkInMount });
  try {
    return await inspectMount(tree, targetPath, world, request, driverWritesSecrets);
  } finally {
    await tree.removeMount(targetPath);
  }
}

async function inspectMount(
  tree: FuzzTree,
  targetPath: string,
  world: FuzzWorld,
  request: FuzzRequest,
  driverWritesSecrets: boolean,
): Promise<boolean> {
  const before = await tree.outside();
  const { dependencies, observations, logger } = worldDependencies(world, {
    driverWritesSecrets,
    targetPath,
  });
  const summary: MountSummary = {};
  const started = performance.now();
  let result: MountResult | undefined;
  let error: unknown;
  try {
    result = await timedAsync("mount", () =>
      runMount(
        {
          attributes: renderAttributes(request),
          secrets: renderSecrets(request),
          targetPath: request.refusedTargetPath ?? targetPath,
          permission: request.permission,
          currentObjectVersion: [],
        },
        dependencies,
        { signal: new AbortController().signal, deadline: Date.now() + 30_000, summary },
      ));
  } catch (caught) {
    error = caught;
  }
  // What the server does with a finished mount: its log line and its gRPC status.
  const { status } = finishMount(logger, {
    summary,
    durationMs: performance.now() - started,
    ...(error === undefined ? {} : { thrown: { error } }),
  });

  // (a) typed errors only.
  if (error !== undefined) {
    assert.ok(
      error instanceof MountError,
      `not a MountError: ${(error as Error)?.name}: ${(error as Error)?.message}\n${
        (error as Error)?.stack
      }`,
    );
    assert.ok(CODES.has(error.code), `unknown code ${error.code}`);
    assert.ok(error.message.length > 0, "an empty error message");
  }
  if (request.refusedTargetPath !== undefined) {
    // Refused before anything is done: for its path, or first for the size of
    // its attributes, which is checked before they are read (issue 10).
    assert.ok(
      error instanceof MountError &&
        (error.code === "InvalidRequest" ||
          error.code === "LimitExceeded" && error.message.includes("--max-attributes-bytes")),
      `target not refused: ${(error as Error)?.message?.slice(0, 200)}`,
    );
  }

  // (c) no secret value or token in the status or the logs.
  assert.equal(status === undefined, error === undefined, "a status exactly when the mount failed");
  const mountLines = observations.logLines.filter((line) => /"msg":"mount( failed)?"/.test(line));
  assert.equal(mountLines.length, 1, "one log line for the mount");
  const secrets = [...worldMarkers(world), request.tokens.sts, request.tokens.pod];
  if (status !== undefined) {
    const leak = leakIn(status.details, secrets);
    assert.equal(leak, undefined, `the gRPC status (code ${status.code}) holds a secret: ${leak}`);
  }
  for (const [index, line] of observations.logLines.entries()) {
    const leak = leakIn(line, secrets);
    assert.equal(leak, undefined, `log line ${index} holds a secret: ${leak}`);
  }

  // (b) inside the mount, nothing outside.
  assert.deepEqual(await tree.outside(), before, "something outside the mount changed");
  assert.ok(observations.writes.every((path) => path === targetPath));
  const inside = (await walkTree(targetPath)).filter((entry) =>
    !(world.symlinkInMount && entry.path === "dir" && entry.type === "symlink")
  );
  for (const entry of inside) {
    assert.equal(filePathProblem(entry.path), undefined, `written: ${JSON.stringify(entry.path)}`);
    assert.ok(!TEMP_FILE.test(entry.path), `temporary file left: ${entry.path}`);
    assert.notEqual(entry.type, "symlink", `symlink written: ${entry.path}`);
  }
  if (result === undefined || driverWritesSecrets) {
    assert.deepEqual(inside, [], "a failed mount, or driver-writes mode, wrote files");
  }
  if (result === undefined) return false;
  const ids = new Set(result.versions.map((version) => version.id));
  if (driverWritesSecrets) {
    assert.ok(result.files.length > 0);
    for (const file of result.files) {
      assert.equal(filePathProblem(file.path), undefined, `returned: ${JSON.stringify(file.path)}`);
      assert.ok(ids.has(file.path));
    }
    assert.equal(new Set(result.files.map((file) => file.path)).size, result.files.length);
    return true;
  }
  assert.deepEqual(result.files, []);
  const written = inside.filter((entry) => entry.type === "file");
  assert.deepEqual(new Set(written.map((entry) => entry.path)), ids);
  for (const file of written) assert.equal(file.mode & ~0o777, 0, `mode of ${file.path}`);
  return true;
}

const mountCase = fuzzWorld().chain((world) =>
  fuzzRequest(world.pool).map((request) => ({ world, request }))
);

for (const driverWritesSecrets of [false, true]) {
  Deno.test(
    `fuzzed mounts (${
      driverWritesSecrets ? "driver" : "provider"
    } writes) fail cleanly or stay inside the mount, and never leak a secret`,
    async () => {
      const tree = await createFuzzTree();
      let succeeded = 0;
      let runs = 0;
      try {
        await checkProperty(
          `mounts (${driverWritesSecrets ? "driver" : "provider"} writes)`,
          fc.asyncProperty(mountCase, async ({ world, request }) => {
            runs++;
            if (await checkMount(tree, world, request, driverWritesSecrets)) succeeded++;
          }),
          { runs: 300 },
        );
      } finally {
        await tree.remove();
      }
      // The properties say little unless a good share of the mounts gets through.
      assert.ok(succeeded >= runs / 10, `only ${succeeded} of ${runs} fuzzed mounts succeeded`);
    },
  );
}
