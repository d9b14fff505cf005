/**
 * Budgets on hostile input. A SecretProviderClass is written by an
 * application team and the provider is shared by every pod on the node, so
 * every size and amount of work a mount can cause has a limit, checked before
 * the work, with an error that names the limit and the flag that changes it.
 *
 * @module
 */

export * from "./limit.ts";
export * from "./mount_limits.ts";
export * from "./time_slice.ts";
