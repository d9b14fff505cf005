/**
 * The stores every mount fetches from: listed Secrets Manager objects, listed
 * SSM parameters, and the two kinds of selectors.
 *
 * @module
 */

import { type ObjectStore, PARAMETER_STORE, SECRETS_MANAGER_STORE } from "./object_store.ts";
import { PARAMETER_PATH_STORE, SECRETS_SELECTOR_STORE } from "./selector_store.ts";

/** The stores of every mount, in the order their units are fetched. */
export const OBJECT_STORES: readonly ObjectStore[] = [
  SECRETS_MANAGER_STORE,
  PARAMETER_STORE,
  SECRETS_SELECTOR_STORE,
  PARAMETER_PATH_STORE,
];
