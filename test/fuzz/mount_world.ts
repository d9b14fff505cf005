/**
 * The world a fuzzed mount runs in: in-memory Secrets Manager and SSM of two
 * regions holding random, marked values (with optional faults), an
 * in-memory Kubernetes API, the real identity resolver and pipeline, and a
 * real temporary directory tree whose every file outside the mount is
 * watched.
 *
 * @module
 */

import * as fc from "fast-check";
import {
  awsFailure,
  batchPermission,
  FakeKube,
  FakeSecretsManager,
  FakeSsm,
  inMemoryIdentity,
} from "../fakes/mod.ts";
import { DEFAULT_POD } from "../../devstack/mod.ts";
import { REGION_LABEL, ROLE_ARN_ANNOTATION } from "../../src/identity/mod.ts";
import { createLogger, type Logger } from "../../src/log/mod.ts";
import type { MountDependencies } from "../../src/mount/mount_pipeline.ts";
import { writeFilesAtomically } from "../../src/files/mod.ts";
import type { MountFile } from "../../src/files/mod.ts";
import { fuzzName, type SecretContent, secretContent } from "./arbitraries.ts";
import type { PoolEntry } from "./objects_yaml.ts";

/** Regions of the fuzzed mounts. */
export const FUZZ_REGIONS = ["us-east-1", "us-west-2"] as const;

/** A store fault of one region. */
export type StoreFault = "none" | "throttle" | "server" | "denied" | "notFound" | "plainError";

/** Everything the stores hold and how they fail. */
export interface FuzzWorld {
  /** Objects that exist (in both regions, with different values). */
  pool: PoolEntry[];
  /** Current and previous value per region per `type:name`. */
  values: Map<string, { current: SecretContent; previous: SecretContent }>[];
  /** A fault per region. */
  faults: StoreFault[];
  /** Whether the mount directory holds a symlink `dir` pointing outside. */
  symlinkInMount: boolean;
}

const SIMPLE_NAMES = ["app/db", "api-key", "/app/param", "svc.token", "a", "deep/nested/name"];

function poolEntry(): fc.Arbitrary<PoolEntry> {
  return fc.record({
    name: fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...SIMPLE_NAMES) },
      { weight: 1, arbitrary: fuzzName([]) },
    ),
    type: fc.constantFrom<PoolEntry["type"]>("secretsmanager", "ssmparameter"),
    json: fc.boolean(),
  });
}

/** A world of one to five objects. */
export function fuzzWorld(): fc.Arbitrary<FuzzWorld> {
  return fc.uniqueArray(poolEntry(), {
    minLength: 1,
    maxLength: 5,
    selector: (entry) => `${entry.type}:${entry.name}`,
  }).chain((pool) => {
    const regionValues = fc.tuple(
      ...pool.map((entry) =>
        fc.record({ current: secretContent(entry.json), previous: secretContent(entry.json) })
      ),
    ).map((list) => new Map(list.map((value, i) => [`${pool[i].type}:${pool[i].name}`, value])));
    const fault = fc.oneof(
      { weight: 8, arbitrary: fc.constant<StoreFault>("none") },
      {
        weight: 2,
        arbitrary: fc.constantFrom<StoreFault>(
          "throttle",
          "server",
          "denied",
          "notFound",
          "plainError",
        ),
      },
    );
    return fc.record({
      pool: fc.constant(pool),
      values: fc.tuple(regionValues, regionValues),
      faults: fc.tuple(fault, fault),
      symlinkInMount: fc.boolean(),
    });
  });
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The content as bytes, padding included. */
export function contentBytes(content: SecretContent): Uint8Array {
  const bytes = typeof content.value === "string" ? encoder.encode(content.value) : content.value;
  if (!content.padding) return bytes;
  const padded = new Uint8Array(bytes.length + content.padding).fill(0x78);
  padded.set(bytes);
  return padded;
}

function contentText(content: SecretContent): string {
  return decoder.decode(contentBytes(content));
}

/** Fills the stores of one region and applies its fault. */
function regionStores(world: FuzzWorld, index: number) {
  const region = FUZZ_REGIONS[index];
  const secretsManager = new FakeSecretsManager(region);
  const ssm = new FakeSsm(region);
  for (const entry of world.pool) {
    const value = world.values[index].get(`${entry.type}:${entry.name}`)!;
    if (entry.type === "secretsmanager") {
      secretsManager.put(
        entry.name,
        { AWSCURRENT: "v-1", AWSPREVIOUS: "v-0" },
        contentBytes(value.current),
        contentBytes(value.previous),
      );
    } else {
      ssm.put(entry.name, [contentText(value.previous), contentText(value.current)], {
        "label-a": 1,
      });
    }
  }
  const fault = world.faults[index];
  const failure = {
    none: undefined,
    throttle: awsFailure("ThrottlingException", { status: 400, message: "Rate exceeded" }),
    server: awsFailure("InternalServiceError"),
    denied: awsFailure("AccessDeniedException", { status: 400 }),
    notFound: awsFailure("ResourceNotFoundException", { fatal: true }),
    plainError: undefined,
  }[fault];
  if (failure !== undefined) {
    secretsManager.batchFailure = failure;
    for (const entry of world.pool) secretsManager.getFailures.set(entry.name, failure);
    ssm.failure = failure;
  }
  if (fault === "plainError") secretsManager.getThrows = new TypeError("socket hang up");
  return { secretsManager, ssm };
}

/** Every marker of every value in the world (none may reach an error or a log line). */
export function worldMarkers(world: FuzzWorld): string[] {
  return world.values.flatMap((region) =>
    [...region.values()].flatMap((value) => [...value.current.markers, ...value.previous.markers])
  );
}

/** What a fuzzed mount saw besides its result. */
export interface MountObservations {
  /** Log lines written with the world's logger (debug level): the pipeline's and the mount's own. */
  logLines: string[];
  /** Target paths it tried to write to. */
  writes: string[];
}

/**
 * Dependencies of {@linkcode runMount} for `world`: fake stores, the real
 * identity resolver over a fake Kubernetes API (the default test pod, its
 * role and node), and the real atomic writer, refusing any target path but
 * `targetPath` (so a decoding bug could never write elsewhere on this machine).
 * `logger` writes into `observations.logLines`: finish the mount with it.
 */
export function worldDependencies(
  world: FuzzWorld,
  options: { driverWritesSecrets: boolean; targetPath: string },
): { dependencies: MountDependencies; observations: MountObservations; logger: Logger } {
  const observations: MountObservations = { logLines: [], writes: [] };
  const logger = createLogger({
    level: "debug",
    write: (line) => observations.logLines.push(line),
  });
  const kube = new FakeKube();
  const pod = DEFAULT_POD;
  kube.serviceAccounts.set(`${pod.namespace}/${pod.serviceAccount}`, {
    [ROLE_ARN_ANNOTATION]: "arn:aws:iam::123456789012:role/fuzz",
  });
  kube.pods.set(`${pod.namespace}/${pod.name}`, "node-1");
  kube.nodes.set("node-1", { [REGION_LABEL]: FUZZ_REGIONS[0] });
  const { lookups, resolver } = inMemoryIdentity(kube, logger);
  const stores = FUZZ_REGIONS.map((_, index) => regionStores(world, index));
  const dependencies: MountDependencies = {
    driverWritesSecrets: options.driverWritesSecrets,
    lookupRegion: (pod, context) => lookups.region(pod, context),
    resolveIdentity: (request) => resolver.resolve(request),
    stores: (region) => {
      const index = FUZZ_REGIONS.indexOf(region as typeof FUZZ_REGIONS[number]);
      return index >= 0
        ? stores[index]
        : { secretsManager: new FakeSecretsManager(region), ssm: new FakeSsm(region) };
    },
    batchPermission: () => batchPermission(),
    writeFiles: (targetPath: string, files: MountFile[]) => {
      observations.writes.push(targetPath);
      if (targetPath !== options.targetPath) {
        return Promise.reject(new Error(`refusing to write outside the fuzz tree: ${targetPath}`));
      }
      return writeFilesAtomically(targetPath, files);
    },
    concurrency: 4,
    maxResponseBytes: 4 * 1024 * 1024,
    logger,
  };
  return { dependencies, observations, logger };
}
