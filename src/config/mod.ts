/**
 * The `objects` parameter of a SecretProviderClass, from text to validated
 * objects: decoded as sigs.k8s.io/yaml decodes it into the Go provider's
 * descriptor (`objects_decode.ts`), validated with the Go provider's rules
 * and texts plus ours (`mount_objects.ts`, `file_path_rules.ts`,
 * `path_translation.ts`, `arn.ts`), selectors that stand for many objects
 * (`selector.ts`), value encodings (`object_encoding.ts`), and cached by text
 * (`objects_cache.ts`).
 * Pure: no I/O.
 *
 * @module
 */

export * from "./arn.ts";
export * from "./file_path_rules.ts";
export * from "./mount_objects.ts";
export * from "./object_encoding.ts";
export * from "./objects_cache.ts";
export * from "./objects_decode.ts";
export * from "./path_translation.ts";
export * from "./selector.ts";
