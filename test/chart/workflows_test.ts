/**
 * The GitHub workflows, offline (they cannot run here; `.ci/run` also lints
 * them with actionlint): actions pinned by commit SHA with their release in a
 * comment, on releases that run on Node 24; the kind legs on node images by
 * digest of the kind release the suite builds; tool versions equal to the
 * ones the tests use; and a release workflow that publishes what the README
 * promises.
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { ACTIONLINT, HELM, KIND } from "../../e2e/kind/go_tools.ts";
import {
  DEFAULT_NODE_IMAGE,
  KIND_NODE_IMAGES,
  nodeImageKubernetes,
  OLDEST_TESTED_KUBERNETES,
} from "../../e2e/kind/settings.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const WORKFLOWS = `${ROOT}.github/workflows`;

/**
 * The action releases in use: the commit each release tag points to, read
 * from the actions' repositories. Each runs on Node 24 (`runs.using: node24`
 * in its action.yml at that commit), except cosign-installer, a composite
 * action (shell steps only).
 */
const ACTIONS: Record<string, { sha: string; version: string }> = {
  "actions/checkout": { sha: "3d3c42e5aac5ba805825da76410c181273ba90b1", version: "v7.0.1" },
  "actions/setup-go": { sha: "b7ad1dad31e06c5925ef5d2fc7ad053ef454303e", version: "v7.0.0" },
  "actions/setup-node": { sha: "820762786026740c76f36085b0efc47a31fe5020", version: "v7.0.0" },
  "actions/setup-python": { sha: "5fda3b95a4ea91299a34e894583c3862153e4b97", version: "v7.0.0" },
  "actions/cache": { sha: "27d5ce7f107fe9357f9df03efb73ab90386fccae", version: "v5.0.5" },
  "actions/upload-artifact": {
    sha: "bbbca2ddaa5d8feaa63e36b76fdaad77386f024f",
    version: "v7.0.0",
  },
  "actions/download-artifact": {
    sha: "3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c",
    version: "v8.0.1",
  },
  "docker/setup-qemu-action": {
    sha: "96fe6ef7f33517b61c61be40b68a1882f3264fb8",
    version: "v4.2.0",
  },
  "docker/setup-buildx-action": {
    sha: "37fe631027851001ddb9b187196cc803df7f5f0e",
    version: "v4.3.0",
  },
  "docker/login-action": { sha: "4907a6ddec9925e35a0a9e82d7399ccc52663121", version: "v4.1.0" },
  "docker/metadata-action": {
    sha: "dc802804100637a589fabce1cb79ff13a1411302",
    version: "v6.2.0",
  },
  "docker/build-push-action": {
    sha: "53b7df96c91f9c12dcc8a07bcb9ccacbed38856a",
    version: "v7.3.0",
  },
  "sigstore/cosign-installer": {
    sha: "6f9f17788090df1f26f669e9d70d6ae9567deba6",
    version: "v4.1.2",
  },
  "anchore/sbom-action": { sha: "e22c389904149dbc22b58101806040fa8d37a610", version: "v0.24.0" },
};

const files = [...Deno.readDirSync(WORKFLOWS)].map((entry) => entry.name).sort();
const texts = Object.fromEntries(
  files.map((name) => [name, Deno.readTextFileSync(`${WORKFLOWS}/${name}`)]),
);
// deno-lint-ignore no-explicit-any
const ci: any = parse(texts["ci.yml"]);
// deno-lint-ignore no-explicit-any
const release: any = parse(texts["release.yml"]);
const ciRun = Deno.readTextFileSync(`${ROOT}.ci/run`);

/** Every `run:` script of a workflow, joined. */
// deno-lint-ignore no-explicit-any
function scripts(workflow: any): string {
  return Object.values(workflow.jobs)
    // deno-lint-ignore no-explicit-any
    .flatMap((job: any) => job.steps.map((step: { run?: string }) => step.run ?? ""))
    .join("\n");
}

Deno.test("there are the two workflows, ci and release", () => {
  assert.deepEqual(files, ["ci.yml", "release.yml"]);
});

Deno.test("every action is pinned by commit SHA, with its release in a comment", () => {
  let count = 0;
  for (const [name, text] of Object.entries(texts)) {
    for (const line of text.split("\n").filter((line) => /^\s*(- )?uses:/.test(line))) {
      const match = line.match(/uses: ([\w.-]+\/[\w.-]+)@([0-9a-f]{40}) # (v\d+\.\d+\.\d+)$/);
      assert.ok(match, `${name}: ${line.trim()}`);
      const [, action, sha, version] = match;
      assert.deepEqual({ sha, version }, ACTIONS[action], `${name}: ${action}`);
      count++;
    }
  }
  assert.ok(count >= 20, `${count} uses: lines`);
});

Deno.test("the kind legs run node images by digest of the kind release the suite builds", () => {
  assert.equal(KIND.version, "v0.33.0");
  // deno-lint-ignore no-explicit-any
  const legs: any[] = ci.jobs.kind.strategy.matrix.include;
  const images = legs.map((leg) => leg["node-image"]);
  for (const image of images) assert.ok(KIND_NODE_IMAGES.includes(image), image);
  assert.ok(images.includes(DEFAULT_NODE_IMAGE));
  for (const leg of legs) {
    // The leg's name is the image's Kubernetes minor version.
    assert.ok(
      nodeImageKubernetes(leg["node-image"]).startsWith(`${leg.kubernetes}.`),
      leg.kubernetes,
    );
  }
  assert.ok(images.some((image) => nodeImageKubernetes(image) === OLDEST_TESTED_KUBERNETES));
  const step = ci.jobs.kind.steps.find((candidate: { run?: string }) =>
    candidate.run === "deno task e2e"
  );
  assert.equal(step.env.KIND_NODE_IMAGE, "${{ matrix.node-image }}");
  assert.equal(step.env.E2E_ARTIFACTS_DIR, "${{ runner.temp }}/e2e-artifacts");
});

Deno.test("a failed kind run uploads its diagnostics", () => {
  const upload = ci.jobs.kind.steps.find((step: { uses?: string }) =>
    step.uses?.startsWith("actions/upload-artifact@")
  );
  assert.equal(upload.if, "failure()");
  assert.equal(upload.with.path, "${{ runner.temp }}/e2e-artifacts");
});

Deno.test("tools have the versions the tests use: Deno, helm, actionlint", () => {
  for (const [name, text] of Object.entries({ ...texts, ".ci/run": ciRun })) {
    for (const match of text.matchAll(/deno@([\d.]+)/g)) assert.equal(match[1], "2.9.6", name);
    for (const match of text.matchAll(/helm\/v3\/cmd\/helm@(v[\d.]+)/g)) {
      assert.equal(match[1], HELM.version, name);
    }
  }
  assert.ok(ciRun.includes(`${ACTIONLINT.packagePath}@${ACTIONLINT.version}`));
  assert.ok(ciRun.includes(`!= "${ACTIONLINT.version}"`), ".ci/run rebuilds another version");
  assert.match(ciRun, /\nactionlint\n/);
});

Deno.test("permissions: read-only by default, writes only in the jobs that publish", () => {
  assert.deepEqual(ci.permissions, { contents: "read" });
  assert.deepEqual(release.permissions, { contents: "read" });
  for (const job of Object.values(ci.jobs)) {
    assert.equal((job as { permissions?: unknown }).permissions, undefined);
  }
  assert.deepEqual(release.jobs.verify.permissions, undefined);
  for (const name of ["image", "chart"]) {
    assert.deepEqual(release.jobs[name].permissions, {
      contents: "read",
      packages: "write",
      "id-token": "write",
    });
  }
  assert.deepEqual(release.jobs.release.permissions, { contents: "write" });
  for (const text of Object.values(texts)) assert.doesNotMatch(text, /write-all|:latest\b/);
});

Deno.test("a version tag releases a signed multi-arch image, an SBOM, the chart and the installers", () => {
  assert.deepEqual(release.on, { push: { tags: ["v[0-9]+.[0-9]+.[0-9]+"] } });
  const run = scripts(release);
  assert.match(release.env.RELEASE, /deno run .* deployment\/release\.ts$/);
  assert.match(run, /\$RELEASE check --tag "\$GITHUB_REF_NAME"/);
  const build = release.jobs.image.steps.find((step: { id?: string }) => step.id === "build");
  assert.equal(build.with.platforms, "linux/amd64,linux/arm64");
  assert.equal(build.with.push, true);
  assert.match(run, /cosign sign --yes "\$IMAGE@\$DIGEST"/);
  assert.match(run, /cosign attest --yes --type spdxjson/);
  assert.match(run, /docker run .*--read-only --network none/);
  assert.match(run, /helm dependency build charts\/secrets-store-csi-driver-provider-aws/);
  assert.match(run, /helm push .*"\$REGISTRY"/);
  assert.match(
    run,
    /cosign sign --yes "\$\{REGISTRY#oci:\/\/\}\/secrets-store-csi-driver-provider-aws@\$DIGEST"/,
  );
  assert.match(run, /release\.ts assets --tag "\$GITHUB_REF_NAME" --image-digest "\$IMAGE_DIGEST"/);
  assert.match(run, /gh release create "\$GITHUB_REF_NAME" --verify-tag/);
  for (
    const asset of [
      "dist/aws-provider-installer.yaml",
      "dist/private-installer.yaml",
      '"dist/provider-$VERSION.spdx.json"',
      '"dist/secrets-store-csi-driver-provider-aws-$VERSION.tgz"',
    ]
  ) {
    assert.ok(run.includes(asset), asset);
  }
  assert.deepEqual(release.jobs.release.needs, ["verify", "image", "chart"]);
});
