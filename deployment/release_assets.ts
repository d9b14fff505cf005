/**
 * What a release attaches besides the image and the chart: the kubectl
 * installer with the image pinned by digest, and the release notes. Pure
 * functions of the published names and digests, so tests check them offline.
 *
 * @module
 */

import { installerImage } from "./release_versions.ts";

/** Names and digests of one release's published artifacts. */
export interface PublishedRelease {
  /** Version, e.g. `0.1.0` (the tag without `v`). */
  version: string;
  /** Image repository, e.g. `ghcr.io/<owner>/provider`. */
  imageRepository: string;
  /** Digest of the multi-arch image index, `sha256:<64 hex>`. */
  imageDigest: string;
  /** Digest of the chart's OCI manifest, `sha256:<64 hex>`. */
  chartDigest: string;
  /** GitHub repository `owner/name` (for the signing identity). */
  repository: string;
}

/** Name of the chart (the Go chart's). */
export const CHART_NAME = "secrets-store-csi-driver-provider-aws";

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** `oci://<registry>/<owner>/charts`: where the chart of `imageRepository`'s owner is pushed. */
export function chartRegistry(imageRepository: string): string {
  const parts = imageRepository.split("/");
  if (parts.length !== 3 || parts[0] !== "ghcr.io") {
    throw new Error(`image repository ${imageRepository}: expected ghcr.io/<owner>/<name>`);
  }
  return `oci://${parts[0]}/${parts[1]}/charts`;
}

/** The chart reference users install: `oci://…/charts/<chart name>`. */
export function chartReference(imageRepository: string): string {
  return `${chartRegistry(imageRepository)}/${CHART_NAME}`;
}

/**
 * The kubectl installer with its image `<repository>:<version>` pinned to
 * `<repository>:<version>@<digest>` (the tag stays for readers; the digest
 * is what the kubelet pulls).
 *
 * @throws {Error} when the installer names another image or the digest is malformed.
 */
export function pinInstallerImage(installer: string, release: PublishedRelease): string {
  if (!DIGEST.test(release.imageDigest)) {
    throw new Error(`image digest ${JSON.stringify(release.imageDigest)}: expected sha256:<hex>`);
  }
  const expected = `${release.imageRepository}:${release.version}`;
  const image = installerImage(installer);
  if (image !== expected) throw new Error(`the installer's image is ${image}, not ${expected}`);
  return installer.replace(
    /^(\s+image: )\S+$/m,
    (_line, prefix: string) => `${prefix}${expected}@${release.imageDigest}`,
  );
}

/** Markdown notes of the GitHub release. */
export function releaseNotes(release: PublishedRelease): string {
  for (const digest of [release.imageDigest, release.chartDigest]) {
    if (!DIGEST.test(digest)) {
      throw new Error(`digest ${JSON.stringify(digest)}: expected sha256:<hex>`);
    }
  }
  const { version, imageRepository } = release;
  const image = `${imageRepository}:${version}`;
  const chart = chartReference(imageRepository);
  const identity = `^https://github\\.com/${release.repository.replaceAll(".", "\\.")}` +
    `/\\.github/workflows/release\\.yml@refs/tags/v${version.replaceAll(".", "\\.")}$`;
  return [
    `AWS Secrets Manager and Parameter Store provider for the Secrets Store CSI driver, on Deno: ` +
    `a drop-in replacement for the Go provider ${version}.`,
    "",
    "## Artifacts",
    "",
    `- Image (linux/amd64, linux/arm64): \`${image}\``,
    `  - digest \`${release.imageDigest}\``,
    `- Chart: \`${chart}\` version \`${version}\` (the driver chart inside)`,
    `  - digest \`${release.chartDigest}\``,
    "- `aws-provider-installer.yaml`: the kubectl installer, image pinned to the digest above",
    "- `private-installer.yaml`: the installer for your own image (`PRIVREPO`, `PRIVTAG`)",
    `- \`provider-${version}.spdx.json\`: SBOM of the image (SPDX), also attested to the image`,
    `- \`${CHART_NAME}-${version}.tgz\`: the chart package`,
    "",
    "## Install",
    "",
    "```sh",
    `helm install -n kube-system secrets-provider-aws ${chart} --version ${version}`,
    "# or, with the CSI driver installed (tokenRequests for sts.amazonaws.com and",
    "# pods.eks.amazonaws.com):",
    "kubectl apply -f aws-provider-installer.yaml",
    "```",
    "",
    "## Verify",
    "",
    "The image and the chart are signed keyless (Sigstore) by this repository's release workflow:",
    "",
    "```sh",
    `cosign verify ${imageRepository}@${release.imageDigest} \\`,
    "  --certificate-oidc-issuer https://token.actions.githubusercontent.com \\",
    `  --certificate-identity-regexp '${identity}'`,
    `cosign verify-attestation --type spdxjson ${imageRepository}@${release.imageDigest} \\`,
    "  --certificate-oidc-issuer https://token.actions.githubusercontent.com \\",
    `  --certificate-identity-regexp '${identity}'`,
    "```",
    "",
  ].join("\n");
}
