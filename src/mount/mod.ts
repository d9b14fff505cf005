/**
 * One mount, end to end (`mount_pipeline.ts`): the driver's request decoded
 * with the Go provider's texts (`mount_request.ts`), the files and versions
 * laid out (`mount_layout.ts`), and every failure turned into the driver's
 * codes in one place (`mount_error.ts`).
 *
 * @module
 */

export * from "./mount_error.ts";
export * from "./mount_layout.ts";
export * from "./mount_pipeline.ts";
export * from "./mount_request.ts";
