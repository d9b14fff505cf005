/**
 * Names and versions the provider reports.
 *
 * @module
 */

/** The provider's name: gRPC `runtime_name` and user agent app id prefix. */
export const PROVIDER_NAME = "secrets-store-csi-driver-provider-aws";

/** This provider's version (kept equal to `deno.json`'s `version` by a test). */
export const PROVIDER_VERSION = "0.1.0";

/** The user agent app id of AWS calls: `<name>-<eks addon version or our version>`. */
export function userAgentAppId(eksAddonVersion: string): string {
  return `${PROVIDER_NAME}-${eksAddonVersion !== "" ? eksAddonVersion : PROVIDER_VERSION}`;
}
