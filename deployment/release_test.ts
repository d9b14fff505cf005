import assert from "node:assert/strict";
import { parse } from "yaml";
import { chartReference } from "./release_assets.ts";
import { imageRepository, REPO_ROOT, runRelease } from "./release.ts";

async function run(args: string[], root = REPO_ROOT) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runRelease(args, {
    root,
    out: (text) => out.push(text),
    err: (text) => err.push(text),
  });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

/** A copy of the files a release reads, in a temporary directory. */
async function repositoryCopy(): Promise<string> {
  const root = await Deno.makeTempDir();
  for (
    const file of [
      "deno.json",
      "README.md",
      "charts/secrets-store-csi-driver-provider-aws/Chart.yaml",
      "charts/secrets-store-csi-driver-provider-aws/values.yaml",
      "charts/secrets-store-csi-driver-provider-aws/README.md",
      "deployment/aws-provider-installer.yaml",
      "deployment/private-installer.yaml",
    ]
  ) {
    await Deno.mkdir(`${root}/${file.slice(0, file.lastIndexOf("/") + 1)}`, { recursive: true });
    await Deno.copyFile(`${REPO_ROOT}${file}`, `${root}/${file}`);
  }
  return root;
}

const version = parse(
  await Deno.readTextFile(`${REPO_ROOT}charts/secrets-store-csi-driver-provider-aws/Chart.yaml`),
).version;
const DIGEST = `sha256:${"c3".repeat(32)}`;

Deno.test("check prints the version, and accepts only the matching tag", async () => {
  assert.deepEqual(await run(["check"]), { code: 0, out: version, err: "" });
  assert.equal((await run(["check", "--tag", `v${version}`])).out, version);
  const other = await run(["check", "--tag", "v99.0.0"]);
  assert.equal(other.code, 1);
  assert.match(other.err, /the release version is not in step:\n {2}deno\.json version is /);
  assert.match(other.err, /Chart\.yaml appVersion is .*, not 99\.0\.0/);
});

Deno.test("check fails when one file was not bumped", async () => {
  const root = await repositoryCopy();
  try {
    const chart = `${root}/charts/secrets-store-csi-driver-provider-aws/Chart.yaml`;
    await Deno.writeTextFile(
      chart,
      (await Deno.readTextFile(chart)).replace(`appVersion: "${version}"`, 'appVersion: "9.9.9"'),
    );
    const result = await run(["check"], root);
    assert.equal(result.code, 1);
    assert.match(result.err, new RegExp(`Chart\\.yaml appVersion is 9\\.9\\.9, not ${version}`));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("image-repository and chart-registry come from the chart's values", async () => {
  assert.equal(
    (await run(["image-repository"])).out,
    "ghcr.io/secrets-store-csi-driver-provider-aws-deno/provider",
  );
  assert.equal(
    (await run(["chart-registry"])).out,
    "oci://ghcr.io/secrets-store-csi-driver-provider-aws-deno/charts",
  );
});

Deno.test("assets writes both installers, the public one pinned to the digest", async () => {
  const out = await Deno.makeTempDir();
  try {
    const result = await run(["assets", "--image-digest", DIGEST, "--out", out]);
    assert.equal(result.code, 0, result.err);
    const pinned = await Deno.readTextFile(`${out}/aws-provider-installer.yaml`);
    assert.match(pinned, new RegExp(`image: ghcr\\.io/.+/provider:${version}@${DIGEST}\\n`));
    assert.equal(
      await Deno.readTextFile(`${out}/private-installer.yaml`),
      await Deno.readTextFile(`${REPO_ROOT}deployment/private-installer.yaml`),
    );
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("notes need both digests and the repository", async () => {
  const missing = await run(["notes", "--image-digest", DIGEST]);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /--chart-digest is required/);
  const notes = await run([
    "notes",
    "--image-digest",
    DIGEST,
    "--chart-digest",
    DIGEST,
    "--repository",
    "owner/name",
  ]);
  assert.equal(notes.code, 0, notes.err);
  assert.match(notes.out, /## Verify/);
});

Deno.test("an unknown command lists the known ones", async () => {
  const result = await run(["publish"]);
  assert.equal(result.code, 1);
  assert.match(result.err, /unknown command "publish": check, image-repository/);
});

Deno.test("the READMEs install the chart from where the release pushes it", async () => {
  const reference = chartReference(await imageRepository(REPO_ROOT));
  for (
    const file of ["README.md", "charts/secrets-store-csi-driver-provider-aws/README.md"]
  ) {
    const text = await Deno.readTextFile(`${REPO_ROOT}${file}`);
    const references = [...text.matchAll(/oci:\/\/\S+/g)].map((match) => match[0]);
    assert.ok(references.length > 0, file);
    for (const found of references) assert.equal(found, reference, file);
  }
});
