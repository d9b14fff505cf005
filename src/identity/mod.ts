/**
 * Who a mount acts as: the pod's tokens (`service_account_tokens.ts`), its
 * IAM role through IRSA (`sts_web_identity.ts`, the service account's
 * annotation read by `kube_lookups.ts`) or its EKS Pod Identity
 * (`pod_identity_agent.ts`), optionally chained to another role
 * (`sts_assume_role.ts`), resolved and cached by `mount_identity.ts`; and
 * the region of its node. Kubernetes is reached through `kube_api.ts`
 * (our small client of `kube_client.ts`, configured by `kube_config.ts`),
 * rate-limited like client-go.
 *
 * @module
 */

export * from "./credential_cache.ts";
export * from "./credential_error.ts";
export * from "./kube_api.ts";
export * from "./kube_client.ts";
export * from "./kube_config.ts";
export * from "./kube_lookups.ts";
export * from "./mount_identity.ts";
export * from "./pod.ts";
export * from "./pod_identity_agent.ts";
export * from "./rate_limiter.ts";
export * from "./service_account_tokens.ts";
export * from "./sts_assume_role.ts";
export * from "./sts_clients.ts";
export * from "./sts_web_identity.ts";
