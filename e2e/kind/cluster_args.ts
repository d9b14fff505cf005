/**
 * Command lines of the kind suite's set-up steps (docker, kind, helm), as
 * pure functions so tests can check them without Docker.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import type { E2eSettings } from "./settings.ts";

/** The repository root (Docker build context). */
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** kind cluster configuration. */
export const KIND_CONFIG = fileURLToPath(new URL("../../kind-config.yaml", import.meta.url));
/** Helm repository of the driver chart (the provider chart's dependency). */
export const DRIVER_CHART_REPO = {
  name: "secrets-store-csi-driver",
  url: "https://kubernetes-sigs.github.io/secrets-store-csi-driver/charts",
};
/** Helm release of the provider (with the driver as its dependency), as in the README. */
export const RELEASE = { name: "secrets-provider-aws", namespace: "kube-system" };

/** `docker build` of our image. */
export function dockerBuildArgs(settings: E2eSettings): string[] {
  return ["build", "--tag", settings.providerImage, REPO_ROOT];
}

/** `kind create cluster` with the node image by digest (never kind's implicit default). */
export function kindCreateArgs(settings: E2eSettings): string[] {
  return [
    "create",
    "cluster",
    "--name",
    settings.clusterName,
    "--config",
    KIND_CONFIG,
    "--image",
    settings.kindNodeImage,
    "--wait",
    "180s",
  ];
}

/** `kind export logs` of every node (kubelet, containerd, pod logs) into `dir`. */
export function kindExportLogsArgs(settings: E2eSettings, dir: string): string[] {
  return ["export", "logs", dir, "--name", settings.clusterName];
}

/** `kind load docker-image` of `image` (default: our image) into every node. */
export function kindLoadArgs(settings: E2eSettings, image = settings.providerImage): string[] {
  return ["load", "docker-image", image, "--name", settings.clusterName];
}

/** `kind delete cluster`. */
export function kindDeleteArgs(settings: E2eSettings): string[] {
  return ["delete", "cluster", "--name", settings.clusterName];
}

/** `kind get kubeconfig` (for helm on the host). */
export function kindKubeconfigArgs(settings: E2eSettings): string[] {
  return ["get", "kubeconfig", "--name", settings.clusterName];
}

/** Splits `repository:tag` (a registry port is not a tag). */
export function splitImage(image: string): { repository: string; tag: string } {
  const colon = image.lastIndexOf(":");
  if (colon <= image.lastIndexOf("/")) return { repository: image, tag: "latest" };
  return { repository: image.slice(0, colon), tag: image.slice(colon + 1) };
}

/** Options of {@linkcode providerInstallArgs}. */
export interface InstallOptions {
  /** Chart directory (a copy whose dependency has been built). */
  chartDir: string;
  /** The AWS endpoint the provider must use (the fault proxy on the kind network). */
  awsEndpointUrl: string;
  /** kubeconfig of the kind cluster. */
  kubeconfig: string;
}

/**
 * `helm install` of our chart with the driver as its dependency, configured
 * like the driver project's own e2e: secret sync on, rotation every 30 s, and
 * the chart's tokenRequests for both audiences (its defaults). Our image is
 * the one loaded into kind; the provider talks to the emulator only.
 */
export function providerInstallArgs(settings: E2eSettings, options: InstallOptions): string[] {
  const { repository, tag } = splitImage(settings.providerImage);
  const values = [
    `image.repository=${repository}`,
    `image.tag=${tag}`,
    "image.pullPolicy=IfNotPresent",
    `awsEndpointUrl=${options.awsEndpointUrl}`,
    "logLevel=debug",
    "secrets-store-csi-driver.install=true",
    "secrets-store-csi-driver.syncSecret.enabled=true",
    "secrets-store-csi-driver.enableSecretRotation=true",
    "secrets-store-csi-driver.rotationPollInterval=30s",
  ];
  return [
    "install",
    RELEASE.name,
    options.chartDir,
    "--namespace",
    RELEASE.namespace,
    "--kubeconfig",
    options.kubeconfig,
    "--wait",
    "--timeout",
    "5m",
    ...values.flatMap((value) => ["--set", value]),
  ];
}
