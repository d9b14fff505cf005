/**
 * One version everywhere a release names it: `deno.json`, the chart
 * (`version`, `appVersion`, the image tag), the kubectl installer's image,
 * and the install instructions of the README and the chart README. The
 * release workflow refuses a tag that differs; every test run checks that
 * the repository is in step.
 *
 * @module
 */

import { parse } from "yaml";

/** One place that names the release version. */
export interface VersionSite {
  /** File and what in it, e.g. `Chart.yaml appVersion`. */
  where: string;
  /** The version found there. */
  version: string;
}

/** Files of the repository a release reads. */
export const RELEASE_FILES = {
  denoJson: "deno.json",
  chart: "charts/secrets-store-csi-driver-provider-aws/Chart.yaml",
  values: "charts/secrets-store-csi-driver-provider-aws/values.yaml",
  chartReadme: "charts/secrets-store-csi-driver-provider-aws/README.md",
  installer: "deployment/aws-provider-installer.yaml",
  privateInstaller: "deployment/private-installer.yaml",
  readme: "README.md",
} as const;

/** `vX.Y.Z` (a release tag) → `X.Y.Z`. @throws {Error} for anything else. */
export function tagVersion(tag: string): string {
  const match = tag.match(/^v(\d+\.\d+\.\d+)$/);
  if (!match) throw new Error(`tag ${JSON.stringify(tag)}: a release tag is vMAJOR.MINOR.PATCH`);
  return match[1];
}

/** The README's `## Install` section (up to the next `## ` heading). */
export function installSection(readme: string): string {
  const start = readme.indexOf("\n## Install\n");
  if (start < 0) throw new Error("README.md has no `## Install` section");
  const end = readme.indexOf("\n## ", start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

/**
 * Versions in install instructions: the provider image's tag, `--version`
 * of the chart, `image.tag=` and `PRIVTAG=` examples, `ascp-deno:<tag>`
 * examples, the release tag (`tag \`vX\``, `refs/tags/vX` in cosign's
 * identity, dots escaped) and the `image.tag` row of the values table.
 */
export function instructionVersions(text: string, where: string): VersionSite[] {
  const patterns: [RegExp, string][] = [
    [/ghcr\.io\/[\w.-]+\/provider:([\w.-]+)/g, "provider image tag"],
    [/--version ([\w.-]+)/g, "chart --version"],
    [/image\.tag=([\w.-]+)/g, "image.tag example"],
    [/PRIVTAG=([\w.-]+)/g, "PRIVTAG example"],
    [/ascp-deno:([\w.-]+)/g, "own image tag example"],
    [/tag `v([\w.-]+)`/g, "release tag"],
    [/refs\/tags\/v((?:\d+\\?\.)+\d+)/g, "signing identity tag"],
    [/\| `image\.tag` +\| `[^`]+` +\| `([\w.-]+)`/g, "values table image.tag"],
  ];
  return patterns.flatMap(([pattern, what]) =>
    [...text.matchAll(pattern)].map((match) => ({
      where: `${where}: ${what}`,
      version: match[1].replaceAll("\\", ""),
    }))
  );
}

/** The image reference of a kubectl installer (its one `image:` line). */
export function installerImage(text: string): string {
  const images = [...text.matchAll(/^\s+image: (\S+)$/gm)].map((match) => match[1]);
  if (images.length !== 1) {
    throw new Error(`an installer has one image line, found ${images.length}`);
  }
  return images[0];
}

/** Reads every place of the repository at `root` that names the release version. */
export async function releaseVersionSites(root: string): Promise<VersionSite[]> {
  const read = (file: string) => Deno.readTextFile(`${root}/${file}`);
  const denoJson = JSON.parse(await read(RELEASE_FILES.denoJson));
  const chart = parse(await read(RELEASE_FILES.chart));
  const values = parse(await read(RELEASE_FILES.values));
  const installer = installerImage(await read(RELEASE_FILES.installer));
  const installerTag = installer.slice(installer.lastIndexOf(":") + 1);
  return [
    { where: "deno.json version", version: String(denoJson.version) },
    { where: "Chart.yaml version", version: String(chart.version) },
    { where: "Chart.yaml appVersion", version: String(chart.appVersion) },
    { where: "values.yaml image.tag", version: String(values.image.tag) },
    { where: "aws-provider-installer.yaml image", version: installerTag },
    ...instructionVersions(installSection(await read(RELEASE_FILES.readme)), "README.md Install"),
    ...instructionVersions(await read(RELEASE_FILES.chartReadme), "chart README.md"),
    ...instructionVersions(await read(RELEASE_FILES.privateInstaller), "private-installer.yaml"),
  ];
}

/** Every site whose version is not `expected`, as messages. */
export function versionProblems(sites: VersionSite[], expected: string): string[] {
  return sites.filter((site) => site.version !== expected)
    .map((site) => `${site.where} is ${site.version}, not ${expected}`);
}
