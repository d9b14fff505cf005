/**
 * Fetching a mount's objects from AWS: every store (`object_store.ts`:
 * Secrets Manager and SSM Parameter Store behind one shape; selectors of many
 * objects in `selector_store.ts`) in every region in parallel, the Go
 * provider's failover choice per unit (`region_choice.ts`), values and the
 * mount's total held to their limits as they arrive (`fetch_budget.ts`),
 * jmesPath values extracted within a budget (`jmes/`), and values decoded
 * as their `objectEncoding` says (`value_encoding.ts`).
 *
 * @module
 */

export * from "./batch_denied.ts";
export * from "./fetch_error.ts";
export * from "./fetch_objects.ts";
export * from "./object_store.ts";
export * from "./selector_store.ts";
export * from "./stores.ts";
export * from "./value_encoding.ts";
export type { BatchPermission } from "./secrets_manager_fetch.ts";
export { extractJmesValues, JmesError } from "./jmes/mod.ts";
