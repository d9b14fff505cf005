/**
 * The provider container's command line as src/cli/permissions.ts defines it,
 * for given chart settings: the single source of truth the chart, the
 * installers and the Dockerfile are checked against.
 *
 * @module
 */

import {
  AWS_NET_HOSTS,
  DEFAULT_PERMISSIONS,
  KUBERNETES_NET_HOST,
  listenerNetHosts,
  permissionFlags,
  type PermissionOptions,
  POD_IDENTITY_NET_HOSTS,
  SERVICE_ACCOUNT_DIR,
} from "../../src/cli/permissions.ts";

/** The provider's entry point in the image. */
export const IMAGE_MAIN = "/app/src/main.ts";

/** Chart values that change the permissions. */
export interface CommandSettings {
  /** `providerVolume`. @default {"/var/run/secrets-store-csi-providers"} */
  providerVolume?: string;
  /** `kubeletPath`. @default {"/var/lib/kubelet"} */
  kubeletPath?: string;
  /** `driverWritesSecrets`. */
  driverWritesSecrets?: boolean;
  /** `port`. @default {8989} */
  port?: number;
  /** host:port of `awsEndpointUrl`. */
  endpointHost?: string;
}

/** The permission options the chart must render for `settings`. */
export function chartPermissionOptions(settings: CommandSettings = {}): PermissionOptions {
  const kubeletPath = settings.kubeletPath ?? "/var/lib/kubelet";
  return {
    providerVolume: settings.providerVolume ?? DEFAULT_PERMISSIONS.providerVolume,
    kubeletPodsDir: settings.driverWritesSecrets ? undefined : `${kubeletPath}/pods`,
    readPaths: [SERVICE_ACCOUNT_DIR],
    netHosts: [
      ...AWS_NET_HOSTS,
      ...POD_IDENTITY_NET_HOSTS,
      KUBERNETES_NET_HOST,
      ...listenerNetHosts(settings.port ?? 8989),
      ...(settings.endpointHost ? [settings.endpointHost] : []),
    ],
  };
}

/** The container command (`deno run …`) for `permissions`. */
export function imageCommand(permissions: PermissionOptions): string[] {
  return ["deno", "run", ...permissionFlags(permissions), "--cached-only", IMAGE_MAIN];
}

/** The command of the image and of the defaults: DEFAULT_PERMISSIONS as they are. */
export function defaultImageCommand(): string[] {
  return imageCommand(DEFAULT_PERMISSIONS);
}
