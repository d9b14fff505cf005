/**
 * Property: any attributes JSON, `secrets`, target path and permission is
 * decoded or refused with a MountError (never another exception), a refusal
 * never repeats a token, and what is accepted is sound: an absolute target
 * path without `..` or NUL and a 32-bit default mode. The class parameters
 * `usePodIdentity`, `region` and `failoverRegion` likewise.
 */

import * as fc from "fast-check";
import assert from "node:assert/strict";
import { MountError } from "../../src/mount/mount_error.ts";
import {
  decodeMountRequest,
  parseUsePodIdentity,
  resolveRegions,
} from "../../src/mount/mount_request.ts";
import { hostileText, pathLike, requestPermission } from "./arbitraries.ts";
import { checkProperty, timed } from "./fuzz_settings.ts";
import { fuzzRequest, renderAttributes, renderSecrets } from "./request_arbitraries.ts";
import type { PoolEntry } from "./objects_yaml.ts";

const POOL: PoolEntry[] = [{ name: "app/db", type: "secretsmanager", json: true }];

const targetPath = fc.oneof(
  fc.constant("/var/lib/kubelet/pods/uid/volumes/kubernetes.io~csi/secrets/mount"),
  pathLike(),
  hostileText(),
);

const attributesText = fc.oneof(
  {
    weight: 4,
    arbitrary: fuzzRequest(POOL).map((request) => ({ request, text: renderAttributes(request) })),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(
      fuzzRequest(POOL),
      fc.oneof(fc.json(), fc.jsonValue().map((v) => JSON.stringify(v)), hostileText()),
    )
      .map(([request, text]) => ({ request, text })),
  },
);

Deno.test("fuzzed requests: decoded soundly or refused with a MountError that holds no token", async () => {
  await checkProperty(
    "request decoding",
    fc.property(
      attributesText,
      targetPath,
      requestPermission(),
      ({ request, text }, path, permission) => {
        let decoded;
        try {
          decoded = timed("decodeMountRequest", () =>
            decodeMountRequest({
              attributes: text,
              secrets: renderSecrets(request),
              targetPath: path,
              permission,
              currentObjectVersion: [{ id: path, version: permission }],
            }));
        } catch (error) {
          assert.ok(error instanceof MountError, `not a MountError: ${(error as Error)?.message}`);
          assert.ok(
            ["InvalidRequest", "TokenError"].includes(error.code) ||
              (error.code === "LimitExceeded" &&
                / \(provider flag --max-[a-z-]+\)$/.test(error.message)),
            `${error.code}: ${error.message.slice(0, 200)}`,
          );
          for (const token of [request.tokens.sts, request.tokens.pod]) {
            assert.ok(!error.message.includes(token), "a token in the error");
          }
          return;
        }
        assert.equal(decoded.targetPath, path);
        assert.ok(path.startsWith("/") && !path.includes("\0") && !path.split("/").includes(".."));
        assert.ok(Number.isInteger(decoded.defaultMode));
        assert.ok(decoded.defaultMode >= 0 && decoded.defaultMode <= 0xffffffff);
        for (const token of decoded.tokens.values()) assert.equal(typeof token.token, "string");
      },
    ),
    { runs: 1500 },
  );
});

Deno.test("fuzzed usePodIdentity, region and failoverRegion: a value or a MountError", async () => {
  await checkProperty(
    "usePodIdentity and regions",
    fc.asyncProperty(
      hostileText(),
      hostileText(),
      hostileText(),
      async (flag, region, failover) => {
        try {
          assert.equal(typeof parseUsePodIdentity(flag), "boolean");
        } catch (error) {
          assert.ok(error instanceof MountError && error.code === "InvalidRequest");
        }
        try {
          const regions = await resolveRegions(
            { region, failoverRegion: failover },
            () =>
              region === ""
                ? Promise.reject(new Error("Region not found"))
                : Promise.resolve(region),
          );
          assert.ok(regions.length === 1 || regions.length === 2);
          assert.ok(regions.length === 1 || regions[0] !== regions[1]);
        } catch (error) {
          assert.ok(error instanceof MountError && error.code === "RegionError");
        }
      },
    ),
    { runs: 1000 },
  );
});
