import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import {
  installerImage,
  installSection,
  instructionVersions,
  releaseVersionSites,
  tagVersion,
  versionProblems,
} from "./release_versions.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

Deno.test("tagVersion takes vMAJOR.MINOR.PATCH only", () => {
  assert.equal(tagVersion("v0.1.0"), "0.1.0");
  assert.equal(tagVersion("v12.3.45"), "12.3.45");
  for (const tag of ["0.1.0", "v0.1", "v0.1.0-rc.1", "refs/tags/v0.1.0", "v0.1.0 "]) {
    assert.throws(() => tagVersion(tag), /a release tag is vMAJOR\.MINOR\.PATCH/, tag);
  }
});

Deno.test("instructionVersions finds every form of the version in install instructions", () => {
  const text = [
    "Every release (tag `v1.2.3`) publishes ghcr.io/acme/provider:1.2.3 and",
    "helm install x oci://ghcr.io/acme/charts/c --version 1.2.4",
    "--set image.tag=1.2.5 registry.example.com/platform/ascp-deno:1.2.6",
    "PRIVTAG=1.2.7 envsubst",
    "--certificate-identity-regexp '^https://github\\.com/a/b/\\.github/workflows/release\\.yml@refs/tags/v1\\.2\\.8$'",
    "| `image.tag`  | `3.1.1` | `1.2.9` | = appVersion |",
  ].join("\n");
  assert.deepEqual(instructionVersions(text, "T").map((site) => `${site.where}=${site.version}`), [
    "T: provider image tag=1.2.3",
    "T: chart --version=1.2.4",
    "T: image.tag example=1.2.5",
    "T: PRIVTAG example=1.2.7",
    "T: own image tag example=1.2.6",
    "T: release tag=1.2.3",
    "T: signing identity tag=1.2.8",
    "T: values table image.tag=1.2.9",
  ]);
});

Deno.test("installSection ends at the next level-2 heading", () => {
  const readme = "# T\n\n## Install\n\ntext\n### Sub\nmore\n## Usage\nnot this\n";
  assert.equal(installSection(readme), "\n## Install\n\ntext\n### Sub\nmore");
  assert.throws(() => installSection("# T\n## Usage\n"), /no `## Install` section/);
});

Deno.test("installerImage needs exactly one image line", () => {
  assert.equal(installerImage("spec:\n        image: a/b:1\n"), "a/b:1");
  assert.throws(() => installerImage("kind: List\n"), /one image line, found 0/);
  assert.throws(() => installerImage("  image: a:1\n  image: b:1\n"), /found 2/);
});

Deno.test("versionProblems names each place that differs", () => {
  assert.deepEqual(
    versionProblems([
      { where: "Chart.yaml version", version: "0.2.0" },
      { where: "README.md Install: chart --version", version: "0.1.0" },
    ], "0.2.0"),
    ["README.md Install: chart --version is 0.1.0, not 0.2.0"],
  );
});

Deno.test("the repository names one version everywhere a release does", async () => {
  const sites = await releaseVersionSites(ROOT);
  const wheres = sites.map((site) => site.where);
  for (
    const where of [
      "deno.json version",
      "Chart.yaml version",
      "Chart.yaml appVersion",
      "values.yaml image.tag",
      "aws-provider-installer.yaml image",
      "README.md Install: provider image tag",
      "README.md Install: chart --version",
      "README.md Install: signing identity tag",
      "chart README.md: chart --version",
      "chart README.md: values table image.tag",
      "private-installer.yaml: PRIVTAG example",
    ]
  ) {
    assert.ok(wheres.includes(where), where);
  }
  assert.deepEqual(versionProblems(sites, sites[0].version), []);
});
