/**
 * Release tooling of the kubectl installers in this folder and of the
 * release workflow: one version everywhere (release_versions.ts), the
 * installer pinned to the image digest and the release notes
 * (release_assets.ts), and the workflow's command line (release.ts).
 *
 * @module
 */

export * from "./release_versions.ts";
export * from "./release_assets.ts";
export * from "./release.ts";
