import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { parseManifests, providerContainer } from "../e2e/kind/chart_render.ts";
import {
  chartReference,
  chartRegistry,
  pinInstallerImage,
  type PublishedRelease,
  releaseNotes,
} from "./release_assets.ts";

const INSTALLER = await Deno.readTextFile(
  fileURLToPath(new URL("./aws-provider-installer.yaml", import.meta.url)),
);
const RELEASE: PublishedRelease = {
  version: "0.1.0",
  imageRepository: "ghcr.io/secrets-store-csi-driver-provider-aws-deno/provider",
  imageDigest: `sha256:${"a1".repeat(32)}`,
  chartDigest: `sha256:${"b2".repeat(32)}`,
  repository: "secrets-store-csi-driver-provider-aws-deno/provider-aws",
};

Deno.test("the chart goes to <registry>/<owner>/charts next to the image", () => {
  assert.equal(
    chartRegistry("ghcr.io/acme/provider"),
    "oci://ghcr.io/acme/charts",
  );
  assert.equal(
    chartReference("ghcr.io/acme/provider"),
    "oci://ghcr.io/acme/charts/secrets-store-csi-driver-provider-aws",
  );
  assert.throws(() => chartRegistry("docker.io/acme/provider"), /expected ghcr\.io/);
  assert.throws(() => chartRegistry("ghcr.io/provider"), /expected ghcr\.io/);
});

Deno.test("the released installer names the image by tag and digest, and nothing else changes", () => {
  const pinned = pinInstallerImage(INSTALLER, RELEASE);
  const { spec } = providerContainer(parseManifests(pinned), "csi-secrets-store-provider-aws");
  assert.equal(spec.image, `${RELEASE.imageRepository}:0.1.0@${RELEASE.imageDigest}`);
  const changed = pinned.split("\n").filter((line, index) => line !== INSTALLER.split("\n")[index]);
  assert.equal(changed.length, 1);
  assert.deepEqual(
    parseManifests(pinned).map((object) => object.kind),
    parseManifests(INSTALLER).map((object) => object.kind),
  );
});

Deno.test("pinning refuses a malformed digest and an installer of another version", () => {
  assert.throws(
    () => pinInstallerImage(INSTALLER, { ...RELEASE, imageDigest: "sha256:abc" }),
    /image digest "sha256:abc": expected sha256:<hex>/,
  );
  assert.throws(
    () => pinInstallerImage(INSTALLER, { ...RELEASE, version: "0.2.0" }),
    /the installer's image is .*provider:0\.1\.0, not .*provider:0\.2\.0/,
  );
});

Deno.test("the release notes name the artifacts by digest and how to install and verify them", () => {
  const notes = releaseNotes(RELEASE);
  assert.match(notes, /`ghcr\.io\/secrets-store-csi-driver-provider-aws-deno\/provider:0\.1\.0`/);
  assert.ok(notes.includes(`digest \`${RELEASE.imageDigest}\``));
  assert.ok(notes.includes(`digest \`${RELEASE.chartDigest}\``));
  assert.ok(
    notes.includes(
      "helm install -n kube-system secrets-provider-aws " +
        "oci://ghcr.io/secrets-store-csi-driver-provider-aws-deno/charts/" +
        "secrets-store-csi-driver-provider-aws --version 0.1.0",
    ),
  );
  assert.ok(
    notes.includes(
      "--certificate-identity-regexp '^https://github\\.com/secrets-store-csi-driver-provider-aws-deno/" +
        "provider-aws/\\.github/workflows/release\\.yml@refs/tags/v0\\.1\\.0$'",
    ),
  );
  assert.match(notes, /cosign verify-attestation --type spdxjson/);
  assert.throws(() => releaseNotes({ ...RELEASE, chartDigest: "" }), /digest "": expected/);
});
